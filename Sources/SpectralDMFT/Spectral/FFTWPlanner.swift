import CFFTW
import Synchronization

/// Process-wide cache of FFTW real-to-real plans, created under a lock.
///
/// Only `fftw_execute*` is thread-safe in FFTW; planning is not. Plans are therefore made once per
/// (kind, size) under a global mutex on scratch arrays, and then applied to any pair of
/// `AlignedBuffer`s with the new-array execute function `fftw_execute_r2r`, which is safe to call
/// concurrently from many solvers.
package enum FFTWPlanner {
    /// The real-to-real transform kinds used by the package.
    package enum Kind: Int32, Sendable, Hashable {
        /// DCT-I: `Y_k = x_0 + (−1)^k x_{n−1} + 2 Σ_{j=1}^{n−2} x_j cos(π j k/(n−1))`.
        case cosineI
        /// DST-I: `Y_k = 2 Σ_{j=0}^{n−1} x_j sin(π (j+1)(k+1)/(n+1))`.
        case sineI
        /// Real-input DFT `X_k = Σ_{j=0}^{n−1} x_j e^{−2πijk/n}` in FFTW's halfcomplex order:
        /// `Y = (Re X_0, Re X_1, …, Re X_{⌊n/2⌋}, Im X_{⌈n/2⌉−1}, …, Im X_1)` (FFTW `R2HC`).
        case realToHalfcomplex
        /// The unnormalised inverse of `realToHalfcomplex`: `y_j = Σ_{k=0}^{n−1} X_k e^{+2πijk/n}` for the
        /// Hermitian spectrum held in halfcomplex order (FFTW `HC2R`); applying both multiplies by `n`.
        case halfcomplexToReal

        var fftwKind: fftw_r2r_kind {
            switch self {
            case .cosineI: return FFTW_REDFT00
            case .sineI: return FFTW_RODFT00
            case .realToHalfcomplex: return FFTW_R2HC
            case .halfcomplexToReal: return FFTW_HC2R
            }
        }
    }

    private struct Key: Hashable { let kind: Kind; let size: Int }
    private struct PlanHandle: @unchecked Sendable { let plan: fftw_plan }

    private static let cache = Mutex<[Key: PlanHandle]>([:])

    /// Returns the cached out-of-place plan for `kind` at `size` points, creating it if needed.
    static func plan(_ kind: Kind, size: Int) -> fftw_plan {
        cache.withLock { plans in
            let key = Key(kind: kind, size: size)
            if let existing = plans[key] { return existing.plan }
            let input = AlignedBuffer(count: size)
            let output = AlignedBuffer(count: size)
            guard let made = fftw_plan_r2r_1d(
                Int32(size), input.baseAddress, output.baseAddress, kind.fftwKind,
                UInt32(FFTW_ESTIMATE)) else {
                fatalError("FFTW could not plan a transform of kind \(kind) and size \(size)")
            }
            plans[key] = PlanHandle(plan: made)
            return made
        }
    }

    /// Applies the real-to-real transform `kind` to `input`, writing `output` (same count, distinct buffers).
    package static func execute(_ kind: Kind, input: AlignedBuffer, output: AlignedBuffer) {
        precondition(input.count == output.count && input !== output)
        let plan = plan(kind, size: input.count)
        fftw_execute_r2r(plan, input.baseAddress, output.baseAddress)
    }
}
