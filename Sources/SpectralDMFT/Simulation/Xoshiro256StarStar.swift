import Foundation

/// SplitMix64 (Steele, Lea & Flood 2014): a 64-bit generator used here only to expand one seed into the
/// 256-bit state of `Xoshiro256StarStar`, as its authors recommend.
package struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The generator's whole state.
    package private(set) var state: UInt64

    /// A generator started at `seed`.
    package init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** 1.0 (Blackman & Vigna 2018): a fast 64-bit generator with 256 bits of state, period 2²⁵⁶ − 1,
/// and a `jump()` that advances it by 2¹²⁸ steps to make non-overlapping streams.
///
/// Reproducibility: everything here is integer arithmetic, so the bits are the same on every run and machine.
/// Normal deviates (`nextNormal()`) use Marsaglia's polar method, which needs `log` and `sqrt` only: `sqrt` is
/// exact (IEEE), and `log` is the platform's libm, deterministic for one platform (on glibc: the same on every
/// run).
///
///     var generator = Xoshiro256StarStar(seed: 42, stream: 3)   // the 4th stream of seed 42
///     let z = generator.nextNormal()                              // N(0, 1)
package struct Xoshiro256StarStar: RandomNumberGenerator, Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    /// The second deviate of the last polar-method pair, not yet returned.
    private var spareNormal: Double?

    /// A generator whose 256-bit state is four outputs of `SplitMix64(seed:)`, advanced by `stream` jumps of
    /// 2¹²⁸ steps: streams of one seed never overlap in any practical run.
    package init(seed: UInt64, stream: Int = 0) {
        precondition(stream >= 0, "stream must be >= 0")
        var expander = SplitMix64(seed: seed)
        s0 = expander.next()
        s1 = expander.next()
        s2 = expander.next()
        s3 = expander.next()
        spareNormal = nil
        for _ in 0..<stream { jump() }
    }

    @inline(__always) private static func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
        (x << k) | (x >> (64 - k))
    }

    /// The next 64 random bits.
    @inline(__always)
    package mutating func next() -> UInt64 {
        let result = Self.rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotateLeft(s3, 45)
        return result
    }

    /// Advances the state by 2¹²⁸ calls of `next()` (the reference `jump` function).
    package mutating func jump() {
        let polynomial: [UInt64] = [0x180E_C6D3_3CFD_0ABA, 0xD5A6_1266_F0C9_392C, 0xA958_2618_E03F_C9AA, 0x39AB_DC45_29B1_661C]
        var t0: UInt64 = 0, t1: UInt64 = 0, t2: UInt64 = 0, t3: UInt64 = 0
        for word in polynomial {
            for bit in 0..<64 {
                if word & (1 << UInt64(bit)) != 0 {
                    t0 ^= s0; t1 ^= s1; t2 ^= s2; t3 ^= s3
                }
                _ = next()
            }
        }
        s0 = t0; s1 = t1; s2 = t2; s3 = t3
        spareNormal = nil
    }

    /// A uniform deviate in [0, 1): the top 53 bits of `next()` times 2⁻⁵³.
    @inline(__always)
    package mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A standard normal deviate N(0, 1) by Marsaglia's polar method (pairs; the second is kept for the next call).
    @inline(__always)
    package mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        while true {
            // u, v uniform on [−1, 1) from 53-bit integers: exact, no rounding.
            let u = Double(Int64(bitPattern: next()) >> 11) * 0x1.0p-52
            let v = Double(Int64(bitPattern: next()) >> 11) * 0x1.0p-52
            let radiusSquared = u * u + v * v
            if radiusSquared > 0 && radiusSquared < 1 {
                let factor = (-2 * Foundation.log(radiusSquared) / radiusSquared).squareRoot()
                spareNormal = v * factor
                return u * factor
            }
        }
    }

    /// Fills `buffer` with independent N(0, `standardDeviation`²) deviates.
    package mutating func fillNormal(_ buffer: UnsafeMutableBufferPointer<Double>, standardDeviation: Double = 1) {
        for index in buffer.indices { buffer[index] = standardDeviation * nextNormal() }
    }
}
