import NexusNN

extension PolicyNetwork {
    /// Actions for `rows` observations under `mode`, with the log-probability of each chosen
    /// action (under this policy) written into `logProbabilities` when given.
    public func act(
        batch observations: UnsafeBufferPointer<Float>, rows: Int, mode: ActingMode, random: inout RandomSource,
        into actions: UnsafeMutableBufferPointer<Float>, logProbabilities: UnsafeMutableBufferPointer<Float>?
    ) {
        if mode == .deterministic, logProbabilities == nil {
            act(batch: observations, rows: rows, into: actions)
            return
        }
        precondition(observations.count == rows * inputSize, "policy input has \(observations.count) values, expected \(rows)×\(inputSize)")
        precondition(logProbabilities.map { $0.count >= rows } ?? true, "room for \(rows) log-probabilities needed")
        forwardRaw(observations, rows: rows)
        let outputs = outputSize
        mlp.withOutput { output in
            switch head {
            case .categorical:
                for row in 0..<rows {
                    if mode == .sample {
                        let (action, logProbability) = CategoricalHead.sample(output, row: row, actions: outputs, random: &random)
                        actions[row] = Float(action)
                        logProbabilities?[row] = logProbability
                    } else {
                        let action = CategoricalHead.mode(output, row: row, actions: outputs)
                        actions[row] = Float(action)
                        logProbabilities?[row] = CategoricalHead.logProbability(output, row: row, actions: outputs, action: action)
                    }
                }
            case .gaussian:
                let offset = logStdOffset!
                mlp.parameters.values.withUnsafeBufferPointer { values in
                    let logStd = UnsafeBufferPointer(rebasing: values[offset..<(offset + outputs)])
                    for row in 0..<rows {
                        let action = UnsafeMutableBufferPointer(rebasing: actions[(row * outputs)..<((row + 1) * outputs)])
                        if mode == .sample {
                            GaussianHead.sample(means: output, row: row, logStd: logStd, random: &random, into: action)
                        } else {
                            for index in 0..<outputs { action[index] = output[row * outputs + index] }
                        }
                        logProbabilities?[row] = GaussianHead.logProbability(means: output, row: row, logStd: logStd, action: UnsafeBufferPointer(action))
                    }
                }
            }
        }
    }
}

extension CategoricalHead {
    /// log π(action) of one row.
    public static func logProbability(_ logits: UnsafeBufferPointer<Float>, row: Int, actions: Int, action: Int) -> Float {
        let start = row * actions
        var maximum = -Float.infinity
        for column in 0..<actions { maximum = max(maximum, logits[start + column]) }
        var sum: Float = 0
        for column in 0..<actions { sum += exp(logits[start + column] - maximum) }
        return logits[start + action] - maximum - log(sum)
    }
}

import Foundation

extension PolicyNetwork {
    /// log π(action) of row `row` of the last forward pass (the expert's action, executed in
    /// place of a sampled one, gets its log-probability under this policy).
    public func logProbabilityOfLastForward(row: Int, action: UnsafeBufferPointer<Float>) -> Float {
        mlp.withOutput { output in
            switch head {
            case .categorical:
                return CategoricalHead.logProbability(output, row: row, actions: outputSize, action: Int(action[0]))
            case .gaussian:
                return withLogStd { GaussianHead.logProbability(means: output, row: row, logStd: $0, action: action) }
            }
        }
    }
}
