using System.Diagnostics.CodeAnalysis;
using System.Xml.Linq;

namespace EdgeRuntime.Tests.Architecture;

/// <summary>Every public type of the interpreter library has an XML summary (members may still lack one: CS1591 is off).</summary>
public class PublicDocumentationTests
{
    [Fact]
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "tests run on the JIT, never trimmed")]
    public void EveryPublicTypeHasASummary()
    {
        var assembly = typeof(EdgeRuntime.Runtime.Interpreter).Assembly;
        string xml = Path.Combine(AppContext.BaseDirectory, "EdgeRuntime.xml");
        Assert.True(File.Exists(xml), $"{xml} missing: the library must build with GenerateDocumentationFile");
        var summaries = XDocument.Load(xml).Descendants("member")
            .Where(m => m.Element("summary") is { } s && !string.IsNullOrWhiteSpace(s.Value))
            .Select(m => (string)m.Attribute("name")!)
            .ToHashSet();
        var missing = assembly.GetExportedTypes()
            .Select(t => "T:" + t.FullName!.Replace('+', '.'))
            .Where(id => !summaries.Contains(id))
            .Order()
            .ToList();
        Assert.True(missing.Count == 0, "public types without a <summary>:\n" + string.Join('\n', missing));
    }
}
