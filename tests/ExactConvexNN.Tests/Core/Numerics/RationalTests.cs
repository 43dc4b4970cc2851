using System.Numerics;
using ExactConvexNN.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace ExactConvexNN.Tests.Core.Numerics;

public class RationalTests
{
    /// <summary>The generators of these properties.</summary>
    public static class Generators
    {
        /// <summary>Rationals p/q with numerators and denominators up to about 2^40 (products overflow long).</summary>
        public static Arbitrary<Rational> Rationals() => Arb.From(
            Gen.Zip(Gen.Zip(Gen.Choose(-1_000_000, 1_000_000), Gen.Choose(1, 1_000_000)), Gen.Choose(0, 20))
                .Select(t => Rational.Create((BigInteger)t.Item1.Item1 << t.Item2, t.Item1.Item2)));

        /// <summary>Every finite double, from uniformly random bit patterns (all exponents, subnormals, signed zeros).</summary>
        public static Arbitrary<double> FiniteDoubles() => Arb.From(
            Gen.Zip(Gen.Choose(int.MinValue, int.MaxValue), Gen.Choose(int.MinValue, int.MaxValue))
                .Select(t => BitConverter.Int64BitsToDouble(((long)t.Item1 << 32) | (uint)t.Item2))
                .Where(double.IsFinite));

        /// <summary>Integer fractions p/q with |p| &lt;= int.MaxValue and 1 &lt;= q &lt;= int.MaxValue.</summary>
        public static Arbitrary<(int P, int Q)> Fractions() =>
            Arb.From(Gen.Zip(Gen.Choose(-int.MaxValue, int.MaxValue), Gen.Choose(1, int.MaxValue)));
    }

    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool AdditionAndMultiplicationSatisfyTheFieldLaws(Rational a, Rational b, Rational c)
    {
        return a + b == b + a && a * b == b * a
            && (a + b) + c == a + (b + c) && (a * b) * c == a * (b * c)
            && a * (b + c) == a * b + a * c
            && a + Rational.Zero == a && a * Rational.One == a
            && a + (-a) == Rational.Zero && a - b == a + (-b)
            && (a.IsZero || a * (Rational.One / a) == Rational.One)
            && (b.IsZero || (a / b) * b == a);
    }

    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool ValuesAreNormalizedSoEqualityIsStructural(Rational a)
    {
        bool lowest = BigInteger.GreatestCommonDivisor(a.Numerator, a.Denominator).IsOne || a.IsZero;
        var scaled = Rational.Create(a.Numerator * -7, a.Denominator * -7);
        return a.Denominator.Sign > 0 && lowest && scaled == a && scaled.GetHashCode() == a.GetHashCode()
            && (!a.IsZero || a.Denominator.IsOne);
    }

    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool OrderAgreesWithTheSignOfTheDifference(Rational a, Rational b, Rational c)
    {
        int s = (a - b).Sign;
        return a.CompareTo(b) == s && (a < b) == (s < 0) && (a >= b) == (s >= 0)
            && (a.CompareTo(b) > 0 || b.CompareTo(c) > 0 || a <= c); // transitivity of <=
    }

    [Fact]
    public void DefaultValueIsZero()
    {
        Rational z = default;
        Assert.True(z.IsZero);
        Assert.Equal(BigInteger.One, z.Denominator);
        Assert.Equal(Rational.Zero, z);
        Assert.Equal(Rational.One, z + Rational.One);
    }

    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool EveryFiniteDoubleRoundTripsExactly(double x)
    {
        var r = Rational.FromDouble(x);
        // Bitwise equality except that -0.0 maps to the rational zero and back to +0.0.
        return x == 0 ? r.IsZero && r.ToDouble() == 0 : BitConverter.DoubleToInt64Bits(r.ToDouble()) == BitConverter.DoubleToInt64Bits(x)
            && r.Denominator.IsPowerOfTwo;
    }

    [Fact]
    public void ConversionFromDoubleIsTheExactBinaryValue()
    {
        // 0.1 is 3602879701896397 / 2^55 exactly (the nearest double to one tenth).
        Assert.Equal(Rational.Create(3602879701896397, BigInteger.One << 55), Rational.FromDouble(0.1));
        Assert.Equal(Rational.Create(1, BigInteger.One << 1074), Rational.FromDouble(double.Epsilon));
        Assert.Equal((Rational)(BigInteger.Pow(2, 1023) * ((BigInteger.One << 53) - 1) >> 52), Rational.FromDouble(double.MaxValue));
        Assert.Equal(Rational.Create(-3, 4), Rational.FromDouble(-0.75));
        Assert.Throws<ArgumentException>(() => Rational.FromDouble(double.NaN));
        Assert.Throws<ArgumentException>(() => Rational.FromDouble(double.NegativeInfinity));
    }

    /// <remarks>IEEE division of two exactly representable integers is correctly rounded: an independent oracle.</remarks>
    [Property(Arbitrary = new[] { typeof(Generators) })]
    public bool ToDoubleRoundsToNearestLikeIeeeDivision((int P, int Q) t) =>
        Rational.Create(t.P, t.Q).ToDouble() == (double)t.P / t.Q;

    [Fact]
    public void ToDoubleHandlesTiesOverflowAndUnderflow()
    {
        var two53 = BigInteger.One << 53;
        // 2^53 + 1 is a tie between 2^53 and 2^53 + 2: ties go to the even significand, 2^53.
        Assert.Equal(9007199254740992.0, ((Rational)(two53 + 1)).ToDouble());
        // 2^53 + 3 ties between 2^53 + 2 and 2^53 + 4: even is 2^53 + 4.
        Assert.Equal(9007199254740996.0, ((Rational)(two53 + 3)).ToDouble());
        Assert.Equal(double.PositiveInfinity, ((Rational)BigInteger.Pow(2, 1024)).ToDouble());
        Assert.Equal(0.0, Rational.Create(1, BigInteger.Pow(2, 1076)).ToDouble());
        // 3/2^1076 = 0.75 * 2^-1074 rounds up to the smallest subnormal.
        Assert.Equal(double.Epsilon, Rational.Create(3, BigInteger.Pow(2, 1076)).ToDouble());
        Assert.Equal(1.0 / 3.0, Rational.Create(1, 3).ToDouble());
    }
}
