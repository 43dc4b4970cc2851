using System.Numerics;

namespace ExactConvexNN.Numerics;

/// <summary>
/// An exact rational number p/q with BigInteger parts, always normalized: gcd(p, q) = 1, q &gt; 0 (the sign
/// lives in the numerator), and zero is 0/1. <c>default(Rational)</c> is zero. Every finite double is an
/// exact rational m * 2^e and converts without rounding (<see cref="FromDouble"/>); the way back
/// (<see cref="ToDouble"/>) rounds to nearest, ties to even.
/// </summary>
public readonly struct Rational : IEquatable<Rational>, IComparable<Rational>, IComparable
{
    private readonly BigInteger _num;
    private readonly BigInteger _denMinusOne; // stored minus one so that default(Rational) is 0/1

    /// <summary>Numerator p (carries the sign).</summary>
    public BigInteger Numerator => _num;
    /// <summary>Denominator q &gt; 0.</summary>
    public BigInteger Denominator => _denMinusOne + BigInteger.One;

    /// <summary>Zero.</summary>
    public static Rational Zero => default;
    /// <summary>One.</summary>
    public static Rational One => new(BigInteger.One, BigInteger.One);

    /// <summary>Takes parts that are already normalized (gcd 1, den &gt; 0).</summary>
    private Rational(BigInteger num, BigInteger den)
    {
        _num = num; _denMinusOne = den - BigInteger.One;
    }

    /// <summary>The rational p/q, normalized.</summary>
    /// <exception cref="DivideByZeroException"><paramref name="denominator"/> is zero.</exception>
    public static Rational Create(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException("rational with zero denominator");
        if (numerator.IsZero) return Zero;
        if (denominator.Sign < 0) { numerator = -numerator; denominator = -denominator; }
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsOne) { numerator /= g; denominator /= g; }
        return new Rational(numerator, denominator);
    }

    /// <summary>Sign: -1, 0 or 1.</summary>
    public int Sign => _num.Sign;
    /// <summary>True when the value is zero.</summary>
    public bool IsZero => _num.IsZero;
    /// <summary>True when the denominator is one.</summary>
    public bool IsInteger => _denMinusOne.IsZero;

    /// <summary>The integer as a rational.</summary>
    public static implicit operator Rational(BigInteger value) => new(value, BigInteger.One);
    /// <summary>The integer as a rational.</summary>
    public static implicit operator Rational(long value) => new(value, BigInteger.One);
    /// <summary>The exact value of a finite double; see <see cref="FromDouble"/>.</summary>
    public static explicit operator Rational(double value) => FromDouble(value);
    /// <summary>The nearest double; see <see cref="ToDouble"/>.</summary>
    public static explicit operator double(Rational value) => value.ToDouble();

    /// <summary>
    /// The exact value of a finite double: m * 2^e with the 53-bit significand m (subnormals included).
    /// </summary>
    /// <exception cref="ArgumentException">The value is NaN or infinite.</exception>
    public static Rational FromDouble(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{value} is not a finite number", nameof(value));
        var (m, e) = Decompose(value);
        if (m.IsZero) return Zero;
        // value = m * 2^e; m is odd after Decompose, so the fraction is already normalized.
        return e >= 0 ? new Rational(m << e, BigInteger.One) : new Rational(m, BigInteger.One << -e);
    }

    /// <summary>
    /// Splits a finite double into m * 2^e with m an odd integer (or m = 0), exactly.
    /// </summary>
    public static (BigInteger Mantissa, int Exponent) Decompose(double value)
    {
        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exp = (int)((bits >> 52) & 0x7FF);
        long frac = bits & 0xFFFFFFFFFFFFFL;
        if (exp == 0x7FF) throw new ArgumentException($"{value} is not a finite number", nameof(value));
        // Normal: (2^52 + frac) * 2^(exp - 1075); subnormal: frac * 2^-1074.
        long m = exp == 0 ? frac : frac | (1L << 52);
        int e = exp == 0 ? -1074 : exp - 1075;
        if (m == 0) return (BigInteger.Zero, 0);
        int tz = BitOperations.TrailingZeroCount(m);
        m >>= tz; e += tz;
        return (negative ? -m : m, e);
    }

    /// <summary>The double nearest to the value (ties to even); overflows to infinity, underflows to zero.</summary>
    public double ToDouble()
    {
        if (_num.IsZero) return 0.0;
        var a = BigInteger.Abs(_num);
        var b = Denominator;
        // q = floor(a 2^k / b) with at least 55 significant bits; a nonzero remainder sets a sticky low bit.
        long k = 55 - (long)(a.GetBitLength() - b.GetBitLength()) + 1;
        var num = k >= 0 ? a << (int)k : a;
        var den = k >= 0 ? b : b << (int)-k;
        var q = BigInteger.DivRem(num, den, out var rem);
        q = (q << 1) | (rem.IsZero ? BigInteger.Zero : BigInteger.One);
        k += 1;
        // value = q 2^-k; keep p significant bits (fewer when the result is subnormal) and round half to even.
        long len = (long)q.GetBitLength();
        long topExp = len - 1 - k;
        long p = topExp >= -1022 ? 53 : 53 - (-1022 - topExp);
        long shift = len - p;
        BigInteger mant;
        if (shift <= 0) mant = q << (int)-shift;
        else if (shift > len + 1) mant = BigInteger.Zero;
        else
        {
            mant = q >> (int)shift;
            var low = q - (mant << (int)shift);
            var half = BigInteger.One << (int)(shift - 1);
            int c = low.CompareTo(half);
            if (c > 0 || (c == 0 && !mant.IsEven)) mant += BigInteger.One;
        }
        double r = Math.ScaleB((double)mant, (int)Math.Clamp(shift - k, -2000, 2000));
        return _num.Sign < 0 ? -r : r;
    }

    /// <summary>Sum.</summary>
    public static Rational operator +(Rational x, Rational y)
    {
        if (x.IsInteger && y.IsInteger) return new Rational(x._num + y._num, BigInteger.One);
        var xd = x.Denominator; var yd = y.Denominator;
        return Create(x._num * yd + y._num * xd, xd * yd);
    }

    /// <summary>Difference.</summary>
    public static Rational operator -(Rational x, Rational y) => x + (-y);

    /// <summary>Negation.</summary>
    public static Rational operator -(Rational x) => new(-x._num, x.Denominator);

    /// <summary>Product.</summary>
    public static Rational operator *(Rational x, Rational y)
    {
        if (x.IsZero || y.IsZero) return Zero;
        if (x.IsInteger && y.IsInteger) return new Rational(x._num * y._num, BigInteger.One);
        return Create(x._num * y._num, x.Denominator * y.Denominator);
    }

    /// <summary>Quotient.</summary>
    /// <exception cref="DivideByZeroException"><paramref name="y"/> is zero.</exception>
    public static Rational operator /(Rational x, Rational y)
    {
        if (y.IsZero) throw new DivideByZeroException("division of a rational by zero");
        return Create(x._num * y.Denominator, x.Denominator * y._num);
    }

    /// <summary>Absolute value.</summary>
    public static Rational Abs(Rational x) => x.Sign < 0 ? -x : x;

    /// <summary>Compares exactly: p1 q2 against p2 q1.</summary>
    public int CompareTo(Rational other)
    {
        if (IsInteger && other.IsInteger) return _num.CompareTo(other._num);
        int s = Sign.CompareTo(other.Sign);
        if (s != 0) return s;
        return (_num * other.Denominator).CompareTo(other._num * Denominator);
    }

    int IComparable.CompareTo(object? obj) => obj is Rational r ? CompareTo(r) : throw new ArgumentException("not a Rational", nameof(obj));

    /// <summary>Exact equality (normalized parts are equal).</summary>
    public bool Equals(Rational other) => _num == other._num && _denMinusOne == other._denMinusOne;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Rational r && Equals(r);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(_num, _denMinusOne);

#pragma warning disable CS1591
    public static bool operator ==(Rational x, Rational y) => x.Equals(y);
    public static bool operator !=(Rational x, Rational y) => !x.Equals(y);
    public static bool operator <(Rational x, Rational y) => x.CompareTo(y) < 0;
    public static bool operator >(Rational x, Rational y) => x.CompareTo(y) > 0;
    public static bool operator <=(Rational x, Rational y) => x.CompareTo(y) <= 0;
    public static bool operator >=(Rational x, Rational y) => x.CompareTo(y) >= 0;
#pragma warning restore CS1591

    /// <summary>"p/q", or "p" when the denominator is one.</summary>
    public override string ToString() => IsInteger ? _num.ToString() : $"{_num}/{Denominator}";
}
