using System;
using System.Numerics.Tensors;
using NetGen.Numerics;
using Xunit;

namespace NetGen.Tests;

/// <summary>The elementwise helpers the trainer and generated code share.</summary>
public class SpanMathTests
{
    [Fact]
    public void MultiplyAddRoundsAsTensorPrimitivesDoesAtEveryLengthAndOffset()
    {
        // Lengths across the 256-bit block and tail boundaries of both element types, and spans that start mid-block.
        var random = new SeededRandom(11);
        for (int length = 0; length <= 41; length++)
        {
            for (int offset = 0; offset < 3; offset++)
            {
                var x = new float[length + offset];
                var y = new float[length + offset];
                var xd = new double[length + offset];
                var yd = new double[length + offset];
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = (float)(random.NextDouble() - 0.5) * 100;
                    y[i] = (float)(random.NextDouble() - 0.5) * 100;
                    xd[i] = x[i] * 1.000001;
                    yd[i] = y[i] / 3.0;
                }

                var expected = (float[])y.Clone();
                var expectedDouble = (double[])yd.Clone();
                TensorPrimitives.MultiplyAdd(x.AsSpan(offset), -0.37f, expected.AsSpan(offset), expected.AsSpan(offset));
                TensorPrimitives.MultiplyAdd(xd.AsSpan(offset), -0.37, expectedDouble.AsSpan(offset), expectedDouble.AsSpan(offset));
                SpanMath.MultiplyAdd(x.AsSpan(offset), -0.37f, y.AsSpan(offset));
                SpanMath.MultiplyAdd(xd.AsSpan(offset), -0.37, yd.AsSpan(offset));
                Assert.Equal(expected, y);
                Assert.Equal(expectedDouble, yd);
            }
        }
    }

    [Fact]
    public void ScaleRoundsAsTensorPrimitivesDoesAtEveryLength()
    {
        var random = new SeededRandom(12);
        for (int length = 0; length <= 41; length++)
        {
            var values = new float[length];
            var doubles = new double[length];
            for (int i = 0; i < length; i++)
            {
                values[i] = (float)(random.NextDouble() - 0.5) * 100;
                doubles[i] = random.NextDouble() - 0.5;
            }

            var expected = new float[length];
            var expectedDouble = new double[length];
            TensorPrimitives.Multiply(values, 0.3f, expected);
            TensorPrimitives.Multiply(doubles, 0.3, expectedDouble);
            SpanMath.Scale(values.AsSpan(), 0.3f);
            SpanMath.Scale(doubles.AsSpan(), 0.3);
            Assert.Equal(expected, values);
            Assert.Equal(expectedDouble, doubles);
        }
    }

    [Fact]
    public void MultiplyAddCarriesNaNAndRejectsSpansOfDifferentLengths()
    {
        var y = new float[9];
        var x = new float[9];
        x[8] = float.NaN;
        SpanMath.MultiplyAdd(x, 1f, y);
        Assert.True(float.IsNaN(y[8]));
        Assert.Equal(0f, y[7]);

        var error = Assert.Throws<ArgumentException>(() => SpanMath.MultiplyAdd(new float[9], 1f, new float[8]));
        Assert.Equal("y", error.ParamName);
        Assert.Contains("8 elements where 9 were expected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SumOfSquaresInDoubleAgreesWithAnExactSumAtEveryLengthAndOffset()
    {
        // Squares of floats are exact in double and these sums stay far below 2^53 ulps of their terms, so a decimal
        // reference is exact to double precision; every element counts (each is distinct), at every tail length.
        var random = new SeededRandom(21);
        var floats = new float[80];
        var doubles = new double[80];
        for (int i = 0; i < floats.Length; i++)
        {
            floats[i] = (float)((random.NextDouble() * 2.0) - 1.0) * (i + 1);
            doubles[i] = floats[i] * 1.000001;
        }

        for (int offset = 0; offset < 3; offset++)
        {
            for (int length = 0; length <= floats.Length - offset; length++)
            {
                decimal exactFloat = 0m;
                decimal exactDouble = 0m;
                for (int i = offset; i < offset + length; i++)
                {
                    exactFloat += (decimal)((double)floats[i] * floats[i]);
                    exactDouble += (decimal)doubles[i] * (decimal)doubles[i];
                }

                Assert.Equal((double)exactFloat, SpanMath.SumOfSquaresAsDouble<float>(floats.AsSpan(offset, length)), 1e-12 * ((double)exactFloat + 1e-300));
                Assert.Equal((double)exactDouble, SpanMath.SumOfSquaresAsDouble<double>(doubles.AsSpan(offset, length)), 1e-12 * ((double)exactDouble + 1e-300));
            }
        }
    }

    [Fact]
    public void SumOfSquaresInDoubleIsNonFiniteWhenAnyElementIs()
    {
        // The trainer relies on this to check a gradient's finiteness in the same pass as its norm.
        foreach (float bad in new[] { float.NaN, float.PositiveInfinity, float.NegativeInfinity })
        {
            for (int position = 0; position < 21; position++)
            {
                var values = new float[21];
                values.AsSpan().Fill(0.5f);
                values[position] = bad;
                Assert.False(double.IsFinite(SpanMath.SumOfSquaresAsDouble<float>(values)), $"{bad} at {position}");
                var doubles = Array.ConvertAll(values, v => (double)v);
                Assert.False(double.IsFinite(SpanMath.SumOfSquaresAsDouble<double>(doubles)), $"{bad} at {position} (double)");
            }
        }

        Assert.Equal(double.PositiveInfinity, SpanMath.SumOfSquaresAsDouble<double>([1e200, 1e200]));
        Assert.Equal(2.0 * float.MaxValue * (double)float.MaxValue, SpanMath.SumOfSquaresAsDouble<float>([float.MaxValue, -float.MaxValue]));
    }

    [Fact]
    public void MatrixVectorAgreesWithADoubleSumForEveryRowCountWidthAndOffset()
    {
        // Row counts across the four-row blocks and their single-row rest; widths across the 256-bit block and tail of
        // both element types, narrower than one vector too; the matrix starting mid-block.
        var random = new SeededRandom(12);
        for (int rows = 1; rows <= 9; rows++)
        {
            for (int n = 1; n <= 37; n += 3)
            {
                for (int offset = 0; offset < 2; offset++)
                {
                    var matrix = new double[offset + (rows * n)];
                    var x = new double[n];
                    var bias = new double[rows];
                    Fill(matrix);
                    Fill(x);
                    Fill(bias);
                    var expected = new double[rows];
                    for (int j = 0; j < rows; j++)
                    {
                        double sum = bias[j];
                        for (int k = 0; k < n; k++)
                        {
                            sum += matrix[offset + (j * n) + k] * x[k];
                        }

                        expected[j] = sum;
                    }

                    var resultDouble = new double[rows];
                    SpanMath.MatrixVector<double>(matrix.AsSpan(offset), x, bias, resultDouble);
                    var resultFloat = new float[rows];
                    SpanMath.MatrixVector<float>(Array.ConvertAll(matrix, v => (float)v).AsSpan(offset), Array.ConvertAll(x, v => (float)v), Array.ConvertAll(bias, v => (float)v), resultFloat);
                    for (int j = 0; j < rows; j++)
                    {
                        Assert.Equal(expected[j], resultDouble[j], 1e-12);
                        Assert.Equal(expected[j], resultFloat[j], 1e-4);
                    }
                }
            }
        }

        void Fill(double[] values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = random.NextDouble() - 0.5;
            }
        }
    }

    [Fact]
    public void MatrixVectorRejectsAMatrixOrBiasTooShortForTheResult()
    {
        var result = new float[3];
        Assert.Throws<ArgumentException>(() => SpanMath.MatrixVector<float>(new float[11], new float[4], new float[3], result));
        Assert.Throws<ArgumentException>(() => SpanMath.MatrixVector<float>(new float[12], new float[4], new float[2], result));
    }
}
