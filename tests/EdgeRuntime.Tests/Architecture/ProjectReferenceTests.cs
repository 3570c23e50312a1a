using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;
using EdgeRuntime.Tests.Support;

namespace EdgeRuntime.Tests.Architecture;

/// <summary>
/// The allowed references between the projects under src (docs/architecture.md). A new reference, a new project or a
/// package in the interpreter library fails here until the table and the document say it is meant.
/// </summary>
public class ProjectReferenceTests
{
    /// <summary>Project folder -> the project folders it may reference.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["EdgeRuntime"] = [],
        ["Camera"] = ["EdgeRuntime"],
        ["Telemetry"] = [],
        ["Automation"] = ["EdgeRuntime", "Camera", "Telemetry"],
        ["EdgeRuntime.Onnx"] = [],
        ["EdgeRuntime.Daemon"] = ["EdgeRuntime", "Camera", "Telemetry", "Automation"],
        ["EdgeRuntime.Tools"] = ["EdgeRuntime", "Camera"],
        ["edgert"] = ["EdgeRuntime", "EdgeRuntime.Daemon", "Camera", "Telemetry", "Automation"],
        ["edgert-tools"] = ["EdgeRuntime", "EdgeRuntime.Daemon", "EdgeRuntime.Tools", "EdgeRuntime.Onnx", "Camera", "Telemetry", "Automation"],
    };

    private static XDocument Project(string folder) =>
        XDocument.Load(Directory.GetFiles(Path.Combine(RepoPaths.Src, folder), "*.csproj").Single());

    private static IEnumerable<string> Includes(XDocument project, string item) =>
        project.Descendants(item).Select(e => (string?)e.Attribute("Include")).OfType<string>();

    [Fact]
    public void EveryProjectUnderSrcIsInTheTable()
    {
        var folders = Directory.GetDirectories(RepoPaths.Src)
            .Where(d => Directory.GetFiles(d, "*.csproj").Length > 0)
            .Select(Path.GetFileName)
            .OfType<string>()
            .ToList();
        Assert.Empty(folders.Except(Allowed.Keys));
    }

    [Fact]
    public void ProjectReferencesFollowTheLayers()
    {
        var forbidden = new List<string>();
        foreach (var (folder, allowed) in Allowed)
        {
            foreach (string include in Includes(Project(folder), "ProjectReference"))
            {
                string target = Path.GetFileName(Path.GetDirectoryName(include.Replace('\\', '/')))!;
                if (!allowed.Contains(target)) forbidden.Add($"{folder} -> {target}");
            }
        }
        Assert.True(forbidden.Count == 0, "references not allowed by docs/architecture.md: " + string.Join(", ", forbidden));
    }

    [Fact]
    public void TheLibraryHasNoPackageDependencies()
    {
        Assert.Empty(Includes(Project("EdgeRuntime"), "PackageReference"));
        string library = Path.Combine(AppContext.BaseDirectory, "EdgeRuntime.dll");
        Assert.All(ReferencedAssemblies(library), name => Assert.True(name.StartsWith("System", StringComparison.Ordinal), name));
    }

    [Fact]
    public void TheDeviceProgramLinksNeitherOnnxRuntimeNorTheOfflineTools()
    {
        string device = DeviceProgram.Dll();
        string[] references = ReferencedAssemblies(device);
        Assert.Contains("EdgeRuntime", references);
        foreach (string banned in new[] { "EdgeRuntime.Tools", "EdgeRuntime.Onnx", "Microsoft.ML.OnnxRuntime" })
            Assert.DoesNotContain(banned, references);
        // Nothing reaches them transitively either: the deps file lists every assembly the program loads.
        string deps = File.ReadAllText(Path.ChangeExtension(device, ".deps.json"));
        Assert.DoesNotContain("OnnxRuntime", deps, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("EdgeRuntime.Tools", deps);
    }

    private static string[] ReferencedAssemblies(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        MetadataReader md = pe.GetMetadataReader();
        return md.AssemblyReferences.Select(h => md.GetString(md.GetAssemblyReference(h).Name)).ToArray();
    }
}
