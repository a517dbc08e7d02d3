from django.urls import path

from invites import apis

urlpatterns = [
    path("profile/", apis.ProfileApi.as_view(), name="profile"),
    path("profile/referrals/", apis.ReferralListApi.as_view(), name="profile-referrals"),
    path("profile/invite/", apis.InviteActivateApi.as_view(), name="profile-invite"),
]
