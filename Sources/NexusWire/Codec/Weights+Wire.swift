import CNexusProto

extension Weights {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__Weights> {
        let message = arena.allocate(Nexus__V1__Weights.self)
        nexus__v1__weights__init(message)
        message.pointee.version = version
        message.pointee.run_id = arena.string(runID)
        message.pointee.checksum = checksum
        message.pointee.n_models = models.count
        message.pointee.models = arena.messages(models) { model in
            let c = arena.allocate(Nexus__V1__Model.self)
            nexus__v1__model__init(c)
            c.pointee.kind = Nexus__V1__ModelKind(rawValue: numericCast(model.kind.rawValue))
            c.pointee.name = arena.string(model.name)
            c.pointee.architecture = arena.string(model.architecture)
            c.pointee.n_parameters = model.parameters.count
            c.pointee.parameters = arena.messages(model.parameters) { $0.build(in: arena) }
            return c
        }
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__Weights>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        self.init(
            version: m.version,
            runID: try reader.string(m.run_id, field: field + ".run_id"),
            models: try reader.messages(m.models, count: m.n_models, field: field + ".models") { model, path in
                Model(
                    kind: try reader.enumeration(model.pointee.kind.rawValue, as: ModelKind.self, field: path + ".kind"),
                    name: try reader.string(model.pointee.name, field: path + ".name"),
                    architecture: try reader.string(model.pointee.architecture, field: path + ".architecture"),
                    parameters: try reader.messages(model.pointee.parameters, count: model.pointee.n_parameters, field: path + ".parameters") {
                        try NamedTensor(decoding: $0, field: $1, reader: reader)
                    })
            },
            checksum: m.checksum)
    }
}
