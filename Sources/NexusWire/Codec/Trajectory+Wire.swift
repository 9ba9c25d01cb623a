import CNexusProto

extension TrajectorySegment {
    func build(in arena: EncodeArena) -> UnsafeMutablePointer<Nexus__V1__Trajectory> {
        let message = arena.allocate(Nexus__V1__Trajectory.self)
        nexus__v1__trajectory__init(message)
        message.pointee.worker_id = workerID
        message.pointee.env_index = envIndex
        message.pointee.episode_id = episodeID
        message.pointee.segment_index = segmentIndex
        message.pointee.env_id = arena.string(envID)
        message.pointee.policy_version = policyVersion
        message.pointee.observations = observations.build(in: arena)
        message.pointee.actions = actions.build(in: arena)
        message.pointee.n_behaviour_log_probs = behaviourLogProbs.count
        message.pointee.behaviour_log_probs = arena.copy(behaviourLogProbs)
        message.pointee.n_rewards = rewards.count
        message.pointee.rewards = arena.copy(rewards)
        message.pointee.n_terminated = terminated.count
        message.pointee.terminated = arena.bools(terminated)
        message.pointee.n_truncated = truncated.count
        message.pointee.truncated = arena.bools(truncated)
        message.pointee.final_observations = finalObservations.build(in: arena)
        message.pointee.n_final_observation_steps = finalObservationSteps.count
        message.pointee.final_observation_steps = arena.copy(finalObservationSteps)
        message.pointee.expert_actions = expertActions?.build(in: arena)
        message.pointee.n_expert_mask = expertMask.count
        message.pointee.expert_mask = arena.bools(expertMask)
        message.pointee.n_expert_acted = expertActed.count
        message.pointee.expert_acted = arena.bools(expertActed)
        message.pointee.n_uncertainty = uncertainty.count
        message.pointee.uncertainty = arena.copy(uncertainty)
        message.pointee.n_safety_events = safetyEvents.count
        message.pointee.safety_events = arena.messages(safetyEvents) { event in
            let c = arena.allocate(Nexus__V1__SafetyEvent.self)
            nexus__v1__safety_event__init(c)
            c.pointee.step = event.step
            c.pointee.kind = Nexus__V1__SafetyKind(rawValue: numericCast(event.kind.rawValue))
            c.pointee.severity = event.severity
            return c
        }
        message.pointee.n_completed_episode_returns = completedEpisodeReturns.count
        message.pointee.completed_episode_returns = arena.copy(completedEpisodeReturns)
        message.pointee.n_completed_episode_lengths = completedEpisodeLengths.count
        message.pointee.completed_episode_lengths = arena.copy(completedEpisodeLengths)
        message.pointee.expert_answers = expertAnswers
        return message
    }

    init(decoding message: UnsafePointer<Nexus__V1__Trajectory>, field: String, reader: CFieldReader) throws {
        let m = message.pointee
        let observations = try Tensor.decodeRequired(m.observations, field: field + ".observations", reader: reader)
        self.init(
            workerID: m.worker_id, envIndex: m.env_index, episodeID: m.episode_id, segmentIndex: m.segment_index,
            envID: try reader.string(m.env_id, field: field + ".env_id"),
            policyVersion: m.policy_version,
            observations: observations,
            actions: try Tensor.decodeRequired(m.actions, field: field + ".actions", reader: reader),
            behaviourLogProbs: try reader.array(m.behaviour_log_probs, count: m.n_behaviour_log_probs, field: field + ".behaviour_log_probs"),
            rewards: try reader.array(m.rewards, count: m.n_rewards, field: field + ".rewards"),
            terminated: try reader.bools(m.terminated, count: m.n_terminated, field: field + ".terminated"),
            truncated: try reader.bools(m.truncated, count: m.n_truncated, field: field + ".truncated"),
            finalObservations: try Tensor.decodeOptional(m.final_observations, field: field + ".final_observations", reader: reader),
            finalObservationSteps: try reader.array(m.final_observation_steps, count: m.n_final_observation_steps, field: field + ".final_observation_steps"),
            expertActions: try Tensor.decodeOptional(m.expert_actions, field: field + ".expert_actions", reader: reader),
            expertMask: try reader.bools(m.expert_mask, count: m.n_expert_mask, field: field + ".expert_mask"),
            expertActed: try reader.bools(m.expert_acted, count: m.n_expert_acted, field: field + ".expert_acted"),
            uncertainty: try reader.array(m.uncertainty, count: m.n_uncertainty, field: field + ".uncertainty"),
            safetyEvents: try reader.messages(m.safety_events, count: m.n_safety_events, field: field + ".safety_events") { event, path in
                SafetyEvent(
                    step: event.pointee.step,
                    kind: try reader.enumeration(event.pointee.kind.rawValue, as: SafetyKind.self, field: path + ".kind"),
                    severity: event.pointee.severity)
            },
            completedEpisodeReturns: try reader.array(m.completed_episode_returns, count: m.n_completed_episode_returns, field: field + ".completed_episode_returns"),
            completedEpisodeLengths: try reader.array(m.completed_episode_lengths, count: m.n_completed_episode_lengths, field: field + ".completed_episode_lengths"),
            expertAnswers: m.expert_answers)
    }
}
