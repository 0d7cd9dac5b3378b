/// Conversion of a size computed from user input (a ratio of times, a variance over a step) to `Int`, checked
/// before the conversion so that huge, infinite or NaN inputs become errors instead of traps.
package enum CheckedCount {
    /// `Int(value.rounded(rule))` when `value` is finite and its rounded magnitude is at most `limit`
    /// (default 2^53, where every integer is still exact in a `Double`); otherwise nil.
    package static func rounded(_ value: Double, _ rule: FloatingPointRoundingRule = .toNearestOrAwayFromZero,
                               limit: Double = 9_007_199_254_740_992) -> Int? {
        let rounded = value.rounded(rule)
        guard rounded.isFinite, abs(rounded) <= limit, abs(rounded) < 9.2e18 else { return nil }
        return Int(rounded)
    }
}
