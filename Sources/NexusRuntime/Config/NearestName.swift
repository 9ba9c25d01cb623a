/// The known name a misspelt one was most likely meant to be: the closest by edit distance
/// (a swap of two neighbouring letters counts as one edit), if it is close enough to be a
/// slip and not another word.
public enum NearestName {
    public static func among(_ known: some Sequence<String>, to given: String) -> String? {
        let given = given.lowercased()
        // A name cut short ("expo") is the one name it begins.
        let extended = known.filter { $0.lowercased().hasPrefix(given) }
        if given.count >= 3, extended.count == 1 { return extended[0] }
        let tolerance = max(2, given.count / 3)
        var best: (name: String, distance: Int)?
        for name in known {
            let distance = editDistance(given, name.lowercased())
            if distance <= tolerance, distance < (best?.distance ?? .max) { best = (name, distance) }
        }
        return best?.name
    }

    /// Insertions, deletions, substitutions and swaps of neighbours (optimal string alignment).
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { current[j] = min(current[j], before[j - 2] + 1) }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }

    /// "; did you mean X?" or nothing.
    public static func hint(among known: some Sequence<String>, to given: String) -> String {
        among(known, to: given).map { "; did you mean \($0)?" } ?? ""
    }
}
