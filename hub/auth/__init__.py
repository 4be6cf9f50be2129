from hub.auth.views import bp

__all__ = ["bp"]
