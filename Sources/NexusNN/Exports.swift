// Networks are initialised and sampled with Nexus's one generator.
@_exported import NexusRandom
