from django import template

from tracker.views.tokens import ApiTokenForm

register = template.Library()


@register.simple_tag(takes_context=True)
def api_tokens(context) -> dict:
    """The settings page's token section: the user's tokens, and the form (with errors, after a refused post)."""
    user = context["request"].user
    return {"tokens": list(user.api_tokens.all()), "form": context.get("token_form") or ApiTokenForm(),
            "new_token": context.get("new_token"), "new_token_name": context.get("new_token_name")}
