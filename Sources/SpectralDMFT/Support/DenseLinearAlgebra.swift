/// Small dense linear systems (n ≤ ~30), shared by the Volterra weights, the Anderson mixer and the small-lag
/// expansion: Gaussian elimination with partial pivoting, in place, allocating nothing.
enum DenseLinearAlgebra {
    /// Solves `matrix · x = rhs` in place of `rhs`; false if singular.
    static func solve(_ matrix: inout [Double], _ rhs: inout [Double], size n: Int) -> Bool {
        for column in 0..<n {
            var pivot = column
            var best = abs(matrix[column * n + column])
            for row in (column + 1)..<max(column + 1, n) where abs(matrix[row * n + column]) > best {
                best = abs(matrix[row * n + column]); pivot = row
            }
            if !(best > 0) { return false }
            if pivot != column {
                for c in 0..<n { matrix.swapAt(column * n + c, pivot * n + c) }
                rhs.swapAt(column, pivot)
            }
            let diagonal = matrix[column * n + column]
            for row in (column + 1)..<max(column + 1, n) {
                let factor = matrix[row * n + column] / diagonal
                if factor == 0 { continue }
                for c in column..<n { matrix[row * n + c] -= factor * matrix[column * n + c] }
                rhs[row] -= factor * rhs[column]
            }
        }
        for row in stride(from: n - 1, through: 0, by: -1) {
            var sum = rhs[row]
            for c in (row + 1)..<max(row + 1, n) { sum -= matrix[row * n + c] * rhs[c] }
            rhs[row] = sum / matrix[row * n + row]
        }
        return true
    }

    /// The inverse of a square matrix given as rows; nil if singular.
    static func inverse(_ rows: [[Double]]) -> [[Double]]? {
        let n = rows.count
        var result: [[Double]] = Array(repeating: [], count: n)
        var columns: [[Double]] = []
        for column in 0..<n {
            var matrix = rows.flatMap { $0 }
            var rhs = (0..<n).map { $0 == column ? 1.0 : 0.0 }
            guard solve(&matrix, &rhs, size: n) else { return nil }
            columns.append(rhs)
        }
        for row in 0..<n { result[row] = (0..<n).map { columns[$0][row] } }
        return result
    }
}
