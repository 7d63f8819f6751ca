"""The event's handling page (监测 → 研判 → 处置 → 结束) and 立即抓取 for a feed, in the central office's admin."""

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django_tenants.utils import get_public_schema_name
from wagtail.admin import messages

from . import scheduling, selectors, services
from .models import Event, Source


def _central_office(request, permission: str) -> None:
    if connection.schema_name != get_public_schema_name():
        raise Http404  # a site's own admin has no opinion watch
    if not request.user.has_perm(permission):
        raise PermissionDenied


class HandlingForm(forms.Form):
    to_stage = forms.ChoiceField(label="转到阶段")
    note = forms.CharField(label="处置意见", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    handler = forms.ModelChoiceField(label="处置人", queryset=get_user_model().objects.none(), required=False)
    deadline = forms.DateTimeField(
        label="处置期限", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_stage"].choices = [
            (stage, Event.Stage(stage).label) for stage in services.allowed_stages(event.stage)
        ]
        self.fields["handler"].queryset = get_user_model().objects.filter(is_active=True, is_staff=True)


def handle_event(request, event_id: int):
    _central_office(request, "watch.change_event")
    event = selectors.event(event_id)
    if event is None:
        raise Http404
    form = HandlingForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_handling(
                event=event,
                to_stage=data["to_stage"],
                note=data["note"],
                user=request.user,
                handler=data["handler"],
                deadline=data["deadline"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
        else:
            services.mark_alerts_read(user=request.user, event_ids=[event.pk])
            messages.success(request, f"事件“{event.title}”已转到“{Event.Stage(data['to_stage']).label}”阶段。")
            return redirect("watch_event_handle", event.pk)
    context = {
        "event": event,
        "form": form,
        "counts": selectors.counts_over_time(event_ids=[event.pk], bucket="day").get(event.pk, []),
        "matches": selectors.recent_matches(event_ids=[event.pk], per_event=20).get(event.pk, []),
        "steps": selectors.handling_steps(event_ids=[event.pk]).get(event.pk, []),
        "page_title": f"处置：{event.title}",
    }
    return render(request, "watch/handle_event.html", context)


def fetch_source(request, source_id: int):
    """立即抓取: a confirmation (GET), then the fetch queued for the worker (POST)."""
    _central_office(request, "watch.change_source")
    source = get_object_or_404(Source, pk=source_id, kind=Source.Kind.FEED)
    if request.method == "POST":
        scheduling.fetch_now(source=source)
        messages.success(request, f"已安排立即抓取“{source.name}”，稍后刷新查看结果。")
        return redirect("watch_sources:inspect", source.pk)
    return render(request, "watch/fetch_source.html", {"source": source, "page_title": f"立即抓取：{source.name}"})
