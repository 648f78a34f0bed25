using System;
using System.Linq;
using NetGen.Tests.Networks;
using Xunit;

namespace NetGen.Tests;

/// <summary>Generated networks' parameters start on a cache line, whatever the runtime's array alignment.</summary>
public class ParameterBufferTests
{
    [Fact]
    public void BuffersStartOnA64ByteBoundaryAndStartAtZero()
    {
        // Many sizes, interleaved with small allocations so the arrays land at different offsets.
        for (int length = 1; length <= 70; length++)
        {
            _ = new byte[length];
            var floats = new ParameterBuffer<float>(length);
            var doubles = new ParameterBuffer<double>(length);
            Assert.Equal(0, AddressOf(floats.Span) % 64);
            Assert.Equal(0, AddressOf(doubles.Span) % 64);
            Assert.Equal(length, floats.Span.Length);
            Assert.Equal(length, doubles.Length);
            Assert.True(floats.Span.ToArray().All(v => v == 0f));
            Assert.True(doubles.Span.ToArray().All(v => v == 0d));
        }
    }

    [Fact]
    public void CopyingConstructorHoldsTheValuesAndTheReferenceIsTheFirstOne()
    {
        float[] values = [1f, 2f, 3f, 4f, 5f];
        var buffer = new ParameterBuffer<float>(values);
        Assert.Equal(values, buffer.Span.ToArray());
        buffer.Reference = 9f;
        Assert.Equal(9f, buffer.Span[0]);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ParameterBuffer<float>(0));
    }

    [Fact]
    public void GeneratedNetworksExposeAlignedParameters()
    {
        Assert.Equal(0, AddressOf(new DigitsNet().Parameters) % 64);
        Assert.Equal(0, AddressOf(new DigitsNetDouble().Parameters) % 64);
        Assert.Equal(0, AddressOf(new XorNet().Parameters) % 64);
        Assert.Equal(0, AddressOf(new BakedDigitsNet().Parameters) % 64);
        Assert.Equal(DigitsNet.ParameterCount, new DigitsNet().Parameters.Length);
    }

    private static unsafe long AddressOf<T>(Span<T> span)
        where T : unmanaged
    {
        fixed (T* pointer = span)
        {
            return (long)pointer;
        }
    }
}
