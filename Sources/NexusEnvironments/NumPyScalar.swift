/// A number as Gymnasium's Python code holds it under NumPy 2's promotion rules (NEP 50):
/// a NumPy float32 or float64 scalar ("strong"), or a Python float ("weak": it takes the
/// other operand's type). MountainCarContinuous mixes all three from step to step, and the
/// result of every operation depends on which meet, so its dynamics are written with these.
struct NumPyScalar {
    enum Kind { case float32, float64, python }

    let kind: Kind
    /// The value; exactly a Float when `kind` is `.float32`.
    let value: Double

    static func float32(_ value: Float) -> NumPyScalar { NumPyScalar(kind: .float32, value: Double(value)) }
    static func float64(_ value: Double) -> NumPyScalar { NumPyScalar(kind: .float64, value: value) }
    static func python(_ value: Double) -> NumPyScalar { NumPyScalar(kind: .python, value: value) }

    /// The type two operands promote to.
    private static func promoted(_ a: Kind, _ b: Kind) -> Kind {
        if a == .float64 || b == .float64 { return .float64 }
        if a == .float32 || b == .float32 { return .float32 }
        return .python
    }

    private static func combine(_ a: NumPyScalar, _ b: NumPyScalar, _ op: (Double, Double) -> Double, _ op32: (Float, Float) -> Float) -> NumPyScalar {
        let kind = promoted(a.kind, b.kind)
        if kind == .float32 { return .float32(op32(Float(a.value), Float(b.value))) }
        return NumPyScalar(kind: kind, value: op(a.value, b.value))
    }

    static func + (a: NumPyScalar, b: NumPyScalar) -> NumPyScalar { combine(a, b, +, +) }
    static func - (a: NumPyScalar, b: NumPyScalar) -> NumPyScalar { combine(a, b, -, -) }
    static func * (a: NumPyScalar, b: NumPyScalar) -> NumPyScalar { combine(a, b, *, *) }

    /// Comparisons also happen in the promoted type (a Python float meets float32 as float32).
    private static func compare(_ a: NumPyScalar, _ b: NumPyScalar, _ op: (Double, Double) -> Bool, _ op32: (Float, Float) -> Bool) -> Bool {
        promoted(a.kind, b.kind) == .float32 ? op32(Float(a.value), Float(b.value)) : op(a.value, b.value)
    }

    static func > (a: NumPyScalar, b: NumPyScalar) -> Bool { compare(a, b, >, >) }
    static func < (a: NumPyScalar, b: NumPyScalar) -> Bool { compare(a, b, <, <) }
    static func >= (a: NumPyScalar, b: NumPyScalar) -> Bool { compare(a, b, >=, >=) }
    static func == (a: NumPyScalar, b: NumPyScalar) -> Bool { compare(a, b, ==, ==) }
}
