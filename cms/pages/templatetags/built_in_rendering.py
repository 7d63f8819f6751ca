"""{% built_in_rendering %}: puts the built-in rendering's data (cms.pages.selectors.rendering_context)
into the template's context: site_name, site_settings, navigation, latest_items, sections, items, others."""

from django import template

from cms.pages.selectors import rendering_context

register = template.Library()


@register.simple_tag(takes_context=True)
def built_in_rendering(context) -> str:
    context.update(rendering_context(page=context["page"], request=context.get("request")))
    return ""
