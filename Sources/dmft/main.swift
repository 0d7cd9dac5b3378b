import Foundation
import SpectralDMFT
let args = CommandLine.arguments
let g = Double(args[1])!, sigma = Double(args[2])!
let step = args.count > 3 ? Double(args[3])! : nil
let env = ProcessInfo.processInfo.environment
let depth = Int(env["DEPTH"] ?? "8")!, damp = Double(env["DAMP"] ?? "1")!
let accel = args.count > 4 && args[4] == "nk" ? Acceleration.newtonKrylov(krylovDimension: depth) : args.count > 4 && args[4] == "plain" ? Acceleration.plain(damping: damp) : Acceleration.anderson(depth: depth, damping: damp)
let model = try NetworkModel(coupling: g, noise: sigma)
var grid = try NetworkStationarySolver.automaticGrid(for: model)
if let step, step > 0 { grid = try LagGrid(step: step, minimumWindow: grid.window) }
let solver = NetworkStationarySolver(grid: grid, options: IterationOptions(tolerance: 1e-12, maximumIterations: 20000, acceleration: accel))
let start = Date()
let s = try solver.solve(model: model)
let t = Date().timeIntervalSince(start)
print(String(format: "g=%.3f sigma=%.2f h=%.4f M=%d d0=%.12f it=%d res=%.2e t=%.4f", g, sigma, grid.step, grid.intervals, s.variance, s.report.iterations, s.report.residual, t),
  [1.0, 3.0, 10.0].map { String(format: "%.10f", s.correlation(atLag: $0)) })
if env["HIST"] != nil { print(s.report.residualHistory.enumerated().map { "\($0.offset+1):\(String(format: "%.1e", $0.element))" }.joined(separator: " ")) }
