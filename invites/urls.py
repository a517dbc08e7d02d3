from django.urls import path

from invites import apis

urlpatterns = [
    path("profile/", apis.ProfileApi.as_view(), name="profile"),
    path("profile/referrals/", apis.ReferralListApi.as_view(), name="profile-referrals"),
    path(
        "profile/referrals/stats/", apis.ReferralStatsApi.as_view(), name="profile-referral-stats"
    ),
    path("profile/qr/", apis.QrCodeApi.as_view(), name="profile-qr"),
    path("profile/invite/", apis.InviteActivateApi.as_view(), name="profile-invite"),
]
