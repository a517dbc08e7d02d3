from django.urls import path

from sms import apis

urlpatterns = [
    path("dev/sms/", apis.DevSmsInboxApi.as_view(), name="dev-sms-inbox"),
    path(
        "sms/callbacks/<str:backend>/<str:token>/",
        apis.SmsCallbackApi.as_view(),
        name="sms-callback",
    ),
]
