using System.Numerics;

namespace NetGen;

/// <summary>
/// Reaches a network's <see cref="NetGen.NetworkSpec"/> from an instance of any type. A generated class declares its
/// <c>Spec</c> static (so <c>DigitsNet.Spec</c> needs no instance) and implements <see cref="INetwork{T}.Spec"/>
/// explicitly, so <c>net.Spec</c> on a variable of the class's own type is the compiler error CS0176;
/// <c>net.NetworkSpec</c> works on every network, generated or interpreted, typed as its class or as the interface.
/// </summary>
public static class NetworkSpecAccess
{
    /// <summary>The members this class adds to every network.</summary>
    /// <typeparam name="T">The network's floating-point type.</typeparam>
    /// <param name="network">The network.</param>
    extension<T>(INetwork<T> network)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        /// <summary>The network's description and parameter layout: the same object as its <see cref="INetwork{T}.Spec"/>
        /// (and, for a generated class, as its static <c>Spec</c>).</summary>
        public global::NetGen.NetworkSpec NetworkSpec => network.Spec;
    }
}
