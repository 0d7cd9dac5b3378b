import Testing
import Foundation
@testable import SpectralDMFT
@Test func probeNodes() {
    for v in [0.01, 0.1, 0.75, 2, 5] {
      for pair in [CorrelationTable.Pair.function, .derivative] {
        let t = CorrelationTable(nonlinearity: .erf, pair: pair, useClosedForm: false)
        let start = Date()
        t.prepare(variance: v)
        let el = Date().timeIntervalSince(start)
        var worst = 0.0
        for vv in [v, v * 1.03, v * 0.95, v * 1.0799] {
        t.prepare(variance: vv)
        for rho in stride(from: -1.0, through: 1.0, by: 0.01) {
          let exact = pair == .function ? GaussianKernels.erfCorrelation(vv, vv, rho*vv) : GaussianKernels.erfDerivativeCorrelation(vv, vv, rho*vv)
          worst = max(worst, abs(t.value(covariance: rho*vv) - exact))
        }
        }
        print("variance \(v) \(pair) builds \(t.bracketBuilds) nodes \(t.nodeCount) time \(el) err \(worst)")
      }
    }
}
