"""The calls made without an access token: getting one (OAuth2 client credentials), and the
API's OpenAPI document and the reference page made from it."""

from __future__ import annotations

from flask import Response, current_app, jsonify, render_template

from hub.api import oauth
from hub.api import openapi as openapi_document
from hub.api.views import bp


@bp.route("/token", methods=["POST"])
def token() -> Response:
    """Get an access token: OAuth2 client credentials (RFC 6749 §4.4), the client's id and
    secret by HTTP Basic authentication; ``scope`` optional (default: all the client's).
    ---
    post:
      tags: [Access]
      security: [{clientCredentials: []}]
      requestBody:
        required: true
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [grant_type]
              properties:
                grant_type: {type: string, enum: [client_credentials]}
                scope: {type: string}
      responses:
        200: {description: A token, content: {application/json: {schema: TokenSchema}}}
        400:
          description: Not a client credentials request, or a scope the client lacks
          content: {application/json: {schema: OAuthErrorSchema}}
        401:
          description: Unknown client or wrong secret
          content: {application/json: {schema: OAuthErrorSchema}}
        413: {description: "The body is over 1 MB, the most a request can carry"}
    """
    return oauth.token_response()


@bp.route("/openapi.json")
def openapi() -> Response:
    """This API's OpenAPI 3.1 document."""
    return jsonify(openapi_document.of(current_app))


@bp.route("/reference")
def reference() -> str:
    """This API's reference page, from its OpenAPI document."""
    document = openapi_document.of(current_app)
    return render_template("api/reference.html", reference=openapi_document.reference(document))
