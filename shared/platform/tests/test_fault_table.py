"""The fault matrix's table: every case on a line in the header's columns, failed ones too."""

from l2c_platform.fault_load import CaseResult, LoadOutcome, matrix_table


def test_each_case_is_a_line_in_the_headers_columns_with_a_total() -> None:
    lines = matrix_table(
        [
            CaseResult("no fault", True, 5, 0, 0, 12.34, (85, 85), (0, 0), 30.2),
            CaseResult("SIGKILL cpq-svc", False, 5, 2, 1, 40.0, (1113, 1113), (998, 1000), 70),
            CaseResult("broker restart", False, seconds=5),
        ]
    )
    header, *rows, total = lines
    assert len(rows) == 3
    assert {len(line) for line in (header, *rows)} == {len(header)}
    assert rows[0].split() == ["no", "fault", "pass", "5", "0", "0", "12.3", "30", "85/85", "0/0"]
    assert rows[1].split()[2:] == ["FAIL", "5", "2", "1", "40.0", "70", "1113/1113", "998/1000"]
    assert rows[2].split()[2:] == ["FAIL", "-", "-", "-", "-", "5", "-", "-"]
    assert total == "1/3 cases passed; 105 s in cases"


def test_recovery_is_from_the_fault_to_the_last_journey_paid() -> None:
    outcome = LoadOutcome("r", 3, paid_at={"a": 10.0, "b": 25.5, "c": 14.0})
    assert outcome.recovery_seconds(fault_at=20.0) == 5.5
    assert outcome.recovery_seconds(fault_at=30.0) == 0.0
