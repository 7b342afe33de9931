from __future__ import annotations

from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.utils.translation import gettext_lazy as _

from solocrm.accounts.models import User, WorkspaceSettings


class SiteUrlPasswordResetForm(PasswordResetForm):
    """Build reset links from SOLOCRM_SITE_URL, never from the request's Host header."""

    def save(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        site = urlsplit(settings.SITE_URL)
        kwargs["domain_override"] = site.netloc
        kwargs["use_https"] = site.scheme == "https"
        return super().save(*args, **kwargs)


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    read_only = forms.BooleanField(label=_("Read-only"), required=False, initial=True)


class UserCreateForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    name = forms.CharField(label=_("Name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"), choices=User.Role.choices)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput, min_length=8)


class WorkspaceSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkspaceSettings
        fields = ["members_own_records_only", "default_phone_region", "currency"]
