import NexusWire

extension NamedTensor {
    /// One of a network's named parameters (`ParameterStore.namedTensors`) as a wire tensor.
    public init(parameter: (name: String, shape: [Int], values: [Float])) {
        self.init(name: parameter.name, tensor: Tensor(shape: parameter.shape, data: parameter.values))
    }
}
