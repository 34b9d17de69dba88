//! Arithmetic with a deliberate bug in `average` (integer division).

/// Adds two numbers.
///
/// ```
/// assert_eq!(arith::add(2, 3), 5);
/// ```
pub fn add(a: i64, b: i64) -> i64 {
    a + b
}

/// The mean of `values`; rounds down (the bug the failing tests find).
///
/// ```
/// assert_eq!(arith::average(&[1, 2]), 1);
/// ```
pub fn average(values: &[i64]) -> i64 {
    values.iter().sum::<i64>() / values.len() as i64
}

/// Divides, refusing zero.
pub fn checked_div(a: i64, b: i64) -> Option<i64> {
    if b == 0 { None } else { Some(a / b) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passing_add() {
        assert_eq!(add(2, 2), 4);
    }

    #[test]
    fn passing_checked_div() {
        assert_eq!(checked_div(6, 3), Some(2));
        assert_eq!(checked_div(1, 0), None);
    }

    #[test]
    fn average_of_two() {
        assert_eq!(average(&[1, 2]) * 2, 3);
    }

    #[test]
    fn average_of_three() {
        assert_eq!(average(&[1, 2, 2]) * 3, 5);
    }

    #[test]
    #[should_panic(expected = "division by zero")]
    fn average_of_nothing_panics() {
        // Integer division by zero panics with "attempt to divide by zero",
        // not the message expected here.
        average(&[]);
    }

    #[test]
    #[ignore = "slow; run with --ignored"]
    fn passing_exhaustive_add() {
        for a in -100..100 {
            assert_eq!(add(a, 0), a);
        }
    }
}
