from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from solocrm.accounts import services
from solocrm.accounts.forms import (
    ApiTokenForm,
    SiteUrlPasswordResetForm,
    UserCreateForm,
    WorkspaceSettingsForm,
)
from solocrm.accounts.models import ApiToken, User, WorkspaceSettings
from solocrm.core.exceptions import StaleVersionError
from solocrm.core.permissions import require_owner


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordResetView(auth_views.PasswordResetView):
    form_class = SiteUrlPasswordResetForm
    template_name = "accounts/password_reset.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, secret = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                read_only=form.cleaned_data["read_only"] or request.user.role == User.Role.VIEWER,
            )
            form = ApiTokenForm()
        except ValidationError as exc:
            form.add_error("name", exc.message_dict.get("name", exc.messages))
    user_tokens = ApiToken.objects.filter(user=request.user)
    return render(
        request, "accounts/tokens.html", {"form": form, "tokens": user_tokens, "secret": secret}
    )


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    services.api_token_revoke(token=token, by=request.user)
    messages.success(request, _("Token revoked."))
    return redirect("accounts:tokens")


@login_required
def users(request: HttpRequest) -> HttpResponse:
    require_owner(request.user)
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_create(**form.cleaned_data)
            messages.success(request, _("User added."))
            return redirect("accounts:users")
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
    return render(
        request,
        "accounts/users.html",
        {"form": form, "users": User.objects.all(), "roles": User.Role.choices},
    )


@login_required
@require_POST
def user_role(request: HttpRequest, pk: int) -> HttpResponse:
    require_owner(request.user)
    target = get_object_or_404(User, pk=pk)
    try:
        services.user_set_role(user=target, role=request.POST.get("role", ""), by=request.user)
        messages.success(request, _("Role changed."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("accounts:users")


@login_required
def workspace(request: HttpRequest) -> HttpResponse:
    require_owner(request.user)
    current = WorkspaceSettings.load()
    form = WorkspaceSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.workspace_settings_update(
                data=form.cleaned_data, expected_version=int(request.POST.get("version", 0))
            )
            messages.success(request, _("Settings saved."))
            return redirect("accounts:workspace")
        except StaleVersionError as exc:
            messages.error(request, str(exc))
    return render(request, "accounts/workspace.html", {"form": form, "settings_obj": current})
