using System.Globalization;
using ExactConvexNN.Solver;

namespace ExactConvexNN.Networks;

/// <summary>
/// The polynomial activation sigma(t) = a t^2 + b t + c of Bartan &amp; Pilanci. The defaults (0.09, 0.5, 0.47) are
/// close to the ReLU for moderate inputs (sigma(0) = 0.47, sigma(+-2) = 1.83, -0.17).
/// </summary>
/// <param name="A">Quadratic coefficient a.</param>
/// <param name="B">Linear coefficient b.</param>
/// <param name="C">Constant c.</param>
public sealed record PolynomialActivation(double A = PolynomialActivation.DefaultA, double B = PolynomialActivation.DefaultB, double C = PolynomialActivation.DefaultC)
{
    /// <summary>Default quadratic coefficient.</summary>
    public const double DefaultA = 0.09;
    /// <summary>Default linear coefficient.</summary>
    public const double DefaultB = 0.5;
    /// <summary>Default constant.</summary>
    public const double DefaultC = 0.47;

    /// <summary>The default activation 0.09 t^2 + 0.5 t + 0.47.</summary>
    public static PolynomialActivation Default { get; } = new();

    /// <summary>sigma(t) = a t^2 + b t + c.</summary>
    public double Value(double t) => (A * t + B) * t + C;

    /// <summary>sigma'(t) = 2 a t + b.</summary>
    public double Derivative(double t) => 2 * A * t + B;

    /// <summary>Checks that the coefficients are finite.</summary>
    /// <exception cref="InputException">A coefficient is NaN or infinite.</exception>
    public PolynomialActivation Validated()
    {
        if (!double.IsFinite(A) || !double.IsFinite(B) || !double.IsFinite(C))
            throw new InputException($"the polynomial coefficients must be finite, got a={A}, b={B}, c={C}; for example --poly 0.09,0.5,0.47");
        return this;
    }

    /// <summary>Parses "a,b,c" (invariant culture, three finite numbers).</summary>
    /// <exception cref="InputException">Not three finite numbers.</exception>
    public static PolynomialActivation Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var v = new double[parts.Length];
        if (parts.Length != 3 || parts.Select((p, i) => double.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out v[i]) && double.IsFinite(v[i])).Contains(false))
            throw new InputException($"--poly '{text}' is not of the form a,b,c with three finite numbers (sigma(t) = a t^2 + b t + c); for example --poly 0.09,0.5,0.47");
        return new PolynomialActivation(v[0], v[1], v[2]);
    }

    /// <summary>"a,b,c" in the invariant culture.</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{A:R},{B:R},{C:R}");
}
