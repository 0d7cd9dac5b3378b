import Foundation

/// The vectorised inner loops of the two-time integrators (4-wide SIMD, unaligned loads). Products and sums are
/// separate operations (no FMA): the baseline x86-64 target has none, and the bits are the same on every machine.
enum TwoTimeKernels {
    @inline(__always) static func load(_ pointer: UnsafePointer<Double>, _ index: Int) -> SIMD4<Double> {
        UnsafeRawPointer(pointer + index).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always) static func store(_ value: SIMD4<Double>, _ pointer: UnsafeMutablePointer<Double>, _ index: Int) {
        UnsafeMutableRawPointer(pointer + index).storeBytes(of: value, as: SIMD4<Double>.self)
    }

    /// One history row r of the p-spin memory sums, fused in one sweep over j = 0…count−1:
    ///
    ///     first[j] += a · u[j],  second[j] += a · v[j],  returns (Σ_j u[j] x[j], Σ_j v[j] y[j]).
    ///
    /// (u, v are rows of C and R; x, y are Σ(t_n, ·) and f'(C(t_n, ·)); first, second accumulate the column sums.)
    @inline(__always)
    static func fusedRow(count: Int, scale a: Double,
                         u: UnsafePointer<Double>, v: UnsafePointer<Double>,
                         x: UnsafePointer<Double>, y: UnsafePointer<Double>,
                         first: UnsafeMutablePointer<Double>, second: UnsafeMutablePointer<Double>) -> (Double, Double) {
        let splat = SIMD4<Double>(repeating: a)
        var dotU0 = SIMD4<Double>(), dotU1 = SIMD4<Double>()
        var dotV0 = SIMD4<Double>(), dotV1 = SIMD4<Double>()
        var j = 0
        while j + 8 <= count {
            let u0 = load(u, j), u1 = load(u, j + 4)
            let v0 = load(v, j), v1 = load(v, j + 4)
            store((load(first, j) + splat * u0), first, j)
            store((load(first, j + 4) + splat * u1), first, j + 4)
            store((load(second, j) + splat * v0), second, j)
            store((load(second, j + 4) + splat * v1), second, j + 4)
            dotU0 = (dotU0 + u0 * load(x, j))
            dotU1 = (dotU1 + u1 * load(x, j + 4))
            dotV0 = (dotV0 + v0 * load(y, j))
            dotV1 = (dotV1 + v1 * load(y, j + 4))
            j += 8
        }
        var dotU = (dotU0 + dotU1).sum(), dotV = (dotV0 + dotV1).sum()
        while j < count {
            first[j] += a * u[j]
            second[j] += a * v[j]
            dotU += u[j] * x[j]
            dotV += v[j] * y[j]
            j += 1
        }
        return (dotU, dotV)
    }

    /// `first[j] += a·u[j]`, `second[j] += a·v[j]` for j < count (rows whose dot products are not needed).
    @inline(__always)
    static func doubleAxpy(count: Int, scale a: Double, u: UnsafePointer<Double>, v: UnsafePointer<Double>,
                           first: UnsafeMutablePointer<Double>, second: UnsafeMutablePointer<Double>) {
        let splat = SIMD4<Double>(repeating: a)
        var j = 0
        while j + 4 <= count {
            store((load(first, j) + splat * load(u, j)), first, j)
            store((load(second, j) + splat * load(v, j)), second, j)
            j += 4
        }
        while j < count {
            first[j] += a * u[j]
            second[j] += a * v[j]
            j += 1
        }
    }

    /// `Σ_j u[j]·x[j]` for j < count.
    @inline(__always)
    static func dot(count: Int, _ u: UnsafePointer<Double>, _ x: UnsafePointer<Double>) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var j = 0
        while j + 8 <= count {
            s0 = (s0 + load(u, j) * load(x, j))
            s1 = (s1 + load(u, j + 4) * load(x, j + 4))
            j += 8
        }
        var total = (s0 + s1).sum()
        while j < count { total += u[j] * x[j]; j += 1 }
        return total
    }

    /// `target[j] += Σ_c chunks[c][j]` for j < count, chunks added in index order (deterministic).
    @inline(__always)
    static func accumulate(count: Int, chunks: [UnsafeMutablePointer<Double>], into target: UnsafeMutablePointer<Double>) {
        for chunk in chunks {
            var j = 0
            while j + 4 <= count {
                store(load(target, j) + load(chunk, j), target, j)
                j += 4
            }
            while j < count { target[j] += chunk[j]; j += 1 }
        }
    }
}

/// Splits rows 0..<n into chunks of about equal work when the work of row r grows like r (a causal triangle).
enum TriangleChunks {
    /// Boundaries r_0 = 0 < r_1 < … < r_P = n with Σ_{r_c ≤ r < r_{c+1}} r about equal: r_c ≈ n √(c/P).
    static func boundaries(rows n: Int, chunks: Int) -> [Int] {
        boundaries(from: 0, to: n, chunks: chunks)
    }

    /// Boundaries r_0 = low < … < r_P = n of rows low..<n with Σ r about equal per chunk:
    /// r_c ≈ √(low² + (n² − low²) c/P) (the same as `boundaries(rows:chunks:)` for low = 0).
    static func boundaries(from low: Int, to n: Int, chunks: Int) -> [Int] {
        var result = [low]
        for c in 1..<chunks {
            let fraction = Double(c) / Double(chunks)
            let boundary = low == 0
                ? Int((Double(n) * fraction.squareRoot()).rounded())
                : Int((Double(low) * Double(low) + (Double(n) * Double(n) - Double(low) * Double(low)) * fraction)
                        .squareRoot().rounded())
            result.append(min(max(boundary, result.last!), n))
        }
        result.append(n)
        return result
    }
}
