// NetGen.ML uses ML.NET's model-persistence types, which ML.NET keeps internal (MLNetInternals.targets says why and
// how): the compiler sees them public in a rewritten reference, and this attribute asks the runtime to allow the
// access against the real Microsoft.ML.Core. The runtime honours it for any assembly that declares the attribute type
// itself, as here.
[assembly: System.Runtime.CompilerServices.IgnoresAccessChecksTo("Microsoft.ML.Core")]

namespace System.Runtime.CompilerServices
{
    /// <summary>Lets this assembly use non-public types and members of the named assembly at run time.</summary>
    [AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true)]
    internal sealed class IgnoresAccessChecksToAttribute : Attribute
    {
        /// <summary>Names the assembly whose non-public types and members this assembly uses.</summary>
        /// <param name="assemblyName">The simple name of that assembly.</param>
        public IgnoresAccessChecksToAttribute(string assemblyName) => AssemblyName = assemblyName;

        /// <summary>The simple name of the assembly whose non-public types and members this assembly uses.</summary>
        public string AssemblyName { get; }
    }
}
