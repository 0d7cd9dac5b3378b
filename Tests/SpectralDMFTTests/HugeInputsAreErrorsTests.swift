import Foundation
import Testing
@testable import SpectralDMFT

// Every size computed from user input is checked before Double → Int conversion: huge, tiny and infinite inputs
// give a typed error with a one-line description, never a trap (issue 10, "Crashes").

@Test func lagGridRefusesAnInfiniteWindow() {
    #expect(throws: GridError.self) { try LagGrid(step: 1e308, minimumWindow: 40) }
    #expect(throws: GridError.self) { try LagGrid(step: 1e308, intervals: 8) }
    #expect(throws: GridError.self) { try LagGrid(step: Double.leastNonzeroMagnitude, intervals: 8) }
    #expect(throws: GridError.self) { try LagGrid(step: 1e-300, minimumWindow: 1e300) }
    #expect((try? LagGrid(step: 0.1, minimumWindow: 40)) != nil)
}

@Test func networkModelRefusesParametersBeyondTheSupportedRange() {
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 1.5, noise: 1e308) }
    #expect(throws: ModelError.self) { try NetworkModel(coupling: 1e3, noise: 0) }
    #expect((try? NetworkModel(coupling: NetworkModel.maximumCoupling, noise: NetworkModel.maximumNoise)) != nil)
    let error = ModelError.outsideSupportedRange(name: "sigma", value: 1e308, maximum: 100)
    #expect(!error.description.contains("\n"))
}

@Test func twoTimeOptionsWithAHugeStepCountAreRefusedNotTrapped() {
    for (step, time) in [(1e-308, 1e308), (1.0, 1e308), (1e-308, 1.0)] {
        let options = TwoTimeOptions(step: step, maximumTime: time)
        #expect(throws: TwoTimeError.self) { try options.validate() }
    }
    #expect(TwoTimeOptions(step: 0.1, maximumTime: 1).steps == 10)
}

@Test func transientRefusesAHugeInitialVariance() throws {
    let model = try NetworkModel(coupling: 1.5)
    let options = TwoTimeOptions(step: 0.1, maximumTime: 2)
    #expect(throws: TwoTimeError.self) {
        try NetworkTransientIntegrator(model: model, initialVariance: 1e308, options: options, waitingTimes: [])
    }
}

@Test func simulationRefusesASampleIntervalLongerThanTheRun() throws {
    let model = try NetworkModel(coupling: 1.5)
    var options = NetworkSimulationOptions(size: 16, duration: 1)
    options.sampleInterval = 1e308
    #expect(throws: SimulationError.self) { try NetworkSimulationPlan(model: model, options: options) }
    options.sampleInterval = 0.1
    options.renormalisationInterval = 1e308
    let plan = try NetworkSimulationPlan(model: model, options: options)
    #expect(plan.stepsPerRenormalisation >= 1)
}

@Test func mixtureRefusesHugeDegreesAndCoefficients() {
    #expect(throws: PSpinModelError.self) { try PSpinMixture([(degree: Int.max, coefficient: 1)]) }
    #expect(throws: PSpinModelError.self) { try PSpinMixture([(degree: 65, coefficient: 1)]) }
    #expect(throws: PSpinModelError.self) { try PSpinMixture(parsing: "3:1e308") }
    let largest = try? PSpinMixture([(degree: PSpinMixture.maximumDegree, coefficient: PSpinMixture.maximumCoefficient)])
    let transition = largest?.dynamicalTransition
    #expect(transition.map { $0.temperature.isFinite && $0.temperature > 0 } == true)
}

@Test func gaussianRuleStaysBoundedForAHugeScale() {
    let step = GaussianAverages.stepSize(scale: 1e308, singularityDistance: Double.pi / 2)
    #expect(step > 0 && (GaussianAverages.cutoff / step) < 1e7)
}
