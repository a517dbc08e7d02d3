from django.urls import path

from accounts import apis

urlpatterns = [
    path("auth/send-code/", apis.SendCodeApi.as_view(), name="auth-send-code"),
    path("auth/verify-code/", apis.VerifyCodeApi.as_view(), name="auth-verify-code"),
    path("auth/token/refresh/", apis.TokenRefreshApi.as_view(), name="auth-token-refresh"),
    path("auth/logout/", apis.LogoutApi.as_view(), name="auth-logout"),
]
