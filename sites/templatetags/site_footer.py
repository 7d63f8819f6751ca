"""`{% site_footer %}`: the built-in rendering's footer, from the registry (sites.selectors.site_footer)."""

from django import template

from cms.pages.models import SiteSettings

from ..selectors import site_footer as footer_of

register = template.Library()


@register.inclusion_tag("sites/footer_content.html", takes_context=True)
def site_footer(context):
    request = context.get("request")
    site = getattr(request, "tenant", None)
    if site is None:
        return {"footer": None}
    return {"footer": footer_of(site=site, settings=SiteSettings.for_request(request))}
