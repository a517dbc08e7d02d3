"""Invite codes and the referral relation between users."""
