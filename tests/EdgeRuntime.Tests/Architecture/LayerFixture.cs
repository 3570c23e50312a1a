// Two namespaces that use each other on purpose: AssemblyLayerTests reads this assembly's metadata and must see the
// cycle (Alpha -> Beta only inside a method body, Beta -> Alpha only in a field type).
namespace EdgeRuntime.Tests.Architecture.LayerFixture.Alpha
{
    internal sealed class Source
    {
        public static object Make() => new Beta.Target();
    }
}

namespace EdgeRuntime.Tests.Architecture.LayerFixture.Beta
{
    internal sealed class Target
    {
        public Alpha.Source? Back { get; set; }
    }
}
