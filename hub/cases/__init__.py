from hub.cases.views import bp

__all__ = ["bp"]
