import Testing
@testable import SpectralDMFT

@Test func gridHasPowerOfTwoIntervals() throws {
    let grid = try LagGrid(step: 0.1, minimumWindow: 10)
    #expect(grid.intervals == 128)
}
