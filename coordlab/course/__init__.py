"""Exercise checks: each prints ✅ or ❌ with a hint, returns a ``CheckResult``, never raises.

    from coordlab.course import check_persistent_pinger
    check_persistent_pinger(MyPinger)
"""
from coordlab.course.report import CheckResult, exercise_check, failed, passed
from coordlab.course.world import check_partition_schedule, check_persistent_pinger, check_timeout_choice

__all__ = ["CheckResult", "check_partition_schedule", "check_persistent_pinger", "check_timeout_choice",
           "exercise_check", "failed", "passed"]
