"""What the measured requests need in the database and the code store beforehand."""

from pathlib import Path


def prepare(run_dir: Path, *, smoke: bool) -> dict:
    """Users with 0 to 100,000 referrals and their tokens, and codes issued for verify-code:
    files of "phone code" lines, for the warm-up, for the measurement with the right codes,
    and for one with wrong codes (each phone's code plus one)."""
    from django.db import connection

    from accounts.services import tokens_issue
    from invites.seeding import referrals_seed

    sizes = [0, 100, 1_000] if smoke else [0, 1_000, 100_000]
    tokens = {}
    for size in sizes:
        inviter = referrals_seed(users=1, referrals_per_user=size).inviters[0]
        tokens[size] = tokens_issue(user=inviter).access
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh bulk data: give the planner its statistics

    measured = 500 if smoke else 30_000
    codes = {}
    sets = [("warmup", 0, 2_000), ("measure", 2_000, measured), ("wrong", 40_000, measured)]
    for name, first, count in sets:
        codes[name] = issue_codes(
            run_dir / f"codes-{name}.txt", range(first, first + count), wrong=name == "wrong"
        )
    return {"tokens": tokens, "codes": codes, "sizes": sizes}


def issue_codes(path: Path, numbers: range, *, wrong: bool = False) -> Path:
    """A code issued to each phone +7925 and the number's 7 digits, written to `path` as
    "phone code" lines (with `wrong`, each code plus one instead)."""
    from accounts.otp import otp_issue

    with path.open("w") as out:
        for n in numbers:
            phone = f"+7925{n:07d}"
            with otp_issue(phone=phone) as issued:
                code = issued.code
            if wrong:
                code = f"{(int(code) + 1) % 10 ** len(code):0{len(code)}d}"
            out.write(f"{phone} {code}\n")
    return path
