"""The two-factor pages, under the admin of every host (mounted before Wagtail's admin URLs)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.verify, name="accounts_two_factor_verify"),
    path("setup/", views.setup, name="accounts_two_factor_setup"),
    path("recovery-codes/", views.recovery_codes, name="accounts_two_factor_recovery_codes"),
]
