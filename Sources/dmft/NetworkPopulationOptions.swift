import ArgumentParser
import Foundation
import SpectralDMFT

/// `--model FILE.json`, `--scale s`: a network of several populations (docs/PHYSICS.md §1.11).
///
/// The file:
///
///     { "populations": [ { "name": "E", "fraction": 0.8, "phi": "relu-tanh", "bias": 0.3, "noise": 0 },
///                        { "name": "I", "fraction": 0.2, "phi": "relu-tanh", "bias": 0.3 } ],
///       "g":  [[1, 2], [1, 2]],
///       "J0": [[1, -4], [1, -4]],
///       "eta": 0 }
///
/// g_kl is the standard deviation of J_ij × √N (i in k, j in l; N the total number of units), J0_kl the mean × N;
/// bias, noise, J0 and eta default to 0, name to "1", "2", ….
struct PopulationModelOptions: ParsableArguments {
    @Option(name: .customLong("model"),
            help: ArgumentHelp("A JSON model file of several populations (fraction, phi, bias, noise; matrices g and J0); replaces --g, --sigma, --phi, --bias, --mean-coupling.",
                               valueName: "file"),
            transform: ArgumentValue.path)
    var modelFile: String?

    @Option(name: .customLong("scale"), parsing: .unconditional,
            help: "Overall scale s multiplying every g_kl of --model (> 0). (default: 1)", transform: ArgumentValue.number)
    var scale: Double?

    func validate() throws {
        if let scale { try CommandSupport.require(scale, named: "scale", "> 0") { $0 > 0 } }
        if scale != nil && modelFile == nil { throw InputError("--scale needs --model FILE.json") }
    }

    /// The model of `--model` at `--scale` (1 by default); nil without `--model`.
    func load() throws -> PopulationNetworkModel? {
        guard let modelFile else { return nil }
        return try PopulationModelFile.load(modelFile, scale: scale ?? 1)
    }
}

/// The JSON model file of `--model`.
enum PopulationModelFile {
    struct Population: Decodable {
        let name: String?
        let fraction: Double
        let phi: String
        let bias: Double?
        let noise: Double?
    }

    struct File: Decodable {
        let populations: [Population]
        let g: [[Double]]
        let J0: [[Double]]?
        let eta: Double?
    }

    /// Reads and checks `path`; every failure is one `InputError` line naming the file.
    static func load(_ path: String, scale: Double) throws -> PopulationNetworkModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("cannot read the model file \(path)")
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let DecodingError.keyNotFound(key, _) {
            throw InputError("model file \(path): missing key '\(key.stringValue)'")
        } catch let DecodingError.typeMismatch(_, context) {
            throw InputError("model file \(path): wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch {
            throw InputError("model file \(path) is not valid JSON of the model format (populations, g, J0, eta)")
        }
        guard !file.populations.isEmpty else { throw InputError("model file \(path): no populations") }
        var populations: [NetworkPopulation] = []
        for (k, p) in file.populations.enumerated() {
            guard let phi = Nonlinearity.general(named: p.phi) else {
                throw InputError("model file \(path): unknown phi '\(p.phi)' in population \(k + 1): choose one of \(Nonlinearity.generalNames.joined(separator: ", "))")
            }
            populations.append(NetworkPopulation(name: p.name ?? "\(k + 1)", fraction: p.fraction, nonlinearity: phi,
                                                 bias: p.bias ?? 0, noise: p.noise ?? 0))
        }
        let names = populations.map(\.name)
        guard Set(names).count == names.count else { throw InputError("model file \(path): population names must differ") }
        guard names.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }) else {
            throw InputError("model file \(path): population names must be letters, digits, '_' or '-'")
        }
        do {
            return try PopulationNetworkModel(populations: populations, coupling: file.g, meanCoupling: file.J0,
                                              scale: scale, symmetry: file.eta ?? 0)
        } catch let error as ModelError {
            throw InputError("model file \(path): \(error.description)")
        }
    }
}
