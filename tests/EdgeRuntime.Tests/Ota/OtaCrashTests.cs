using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using EdgeRuntime.Ota;
using EdgeRuntime.Tests.Telemetry;

namespace EdgeRuntime.Tests.Ota;

/// <summary>
/// Power-cut safety with a REAL separate daemon process: EDGERT_OTA_CRASH_AT freezes the install at a step, the test
/// SIGKILLs the process there, checks the disk holds only complete models, restarts it and finds a working model.
/// </summary>
public sealed class OtaCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan T = TimeSpan.FromSeconds(60);

    internal static string HostDll()
    {
        string testDir = AppContext.BaseDirectory.TrimEnd('/');
        string config = Path.GetFileName(Path.GetDirectoryName(testDir)!); // Debug / Release
        string root = Path.GetFullPath(Path.Combine(testDir, "..", "..", "..", ".."));
        string dll = Path.Combine(root, "OtaTestHost", "bin", config, Path.GetFileName(testDir), "edgert-ota-testhost.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("build the solution first (OtaTestHost)", dll);
    }

    private sealed class DaemonProcess : IDisposable
    {
        private readonly Process _p;
        private readonly List<string> _lines = [];

        public DaemonProcess(string[] args, string? crashAt)
        {
            var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(HostDll());
            foreach (var a in args) psi.ArgumentList.Add(a);
            psi.Environment.Remove(CrashPoints.Variable);
            if (crashAt is not null) psi.Environment[CrashPoints.Variable] = crashAt;
            _p = Process.Start(psi)!;
            _p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add(e.Data); };
            _p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_lines) _lines.Add("ERR " + e.Data); };
            _p.BeginOutputReadLine();
            _p.BeginErrorReadLine();
        }

        public string Output { get { lock (_lines) return string.Join('\n', _lines); } }

        public async Task WaitForLineAsync(string fragment, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                lock (_lines) if (_lines.Any(l => l.Contains(fragment, StringComparison.Ordinal))) return;
                if (_p.HasExited) throw new InvalidOperationException($"daemon exited {_p.ExitCode} before '{fragment}':\n{Output}");
                await Task.Delay(20);
            }
            throw new TimeoutException($"no '{fragment}' within {timeout.TotalSeconds} s:\n{Output}");
        }

        /// <summary>SIGKILL (Process.Kill on Unix sends SIGKILL).</summary>
        public void KillHard()
        {
            _p.Kill(entireProcessTree: false);
            _p.WaitForExit(10_000);
        }

        public void Dispose()
        {
            if (!_p.HasExited) KillHard();
            _p.Dispose();
        }
    }

    [Theory]
    [InlineData(CrashPoints.AfterDownload)]
    [InlineData(CrashPoints.AfterWrite)]
    [InlineData(CrashPoints.BeforeRename)]
    [InlineData(CrashPoints.AfterRename)]
    public async Task SigkillDuringInstall_RestartFindsWorkingModel_ThenConverges(string point)
    {
        string dir = Directory.CreateTempSubdirectory("edgert-ota-kill-").FullName;
        try
        {
            await using var broker = await MosquittoFixture.StartNewAsync();
            await using var http = new TinyHttpServer();
            using var key = new TestKey(dir, "k1");
            byte[] factory = OtaTestModels.Build(seed: 1), v2 = OtaTestModels.Build(seed: 2, size: 16);
            string factoryPath = Path.Combine(dir, "factory.tflite"), state = Path.Combine(dir, "state");
            File.WriteAllBytes(factoryPath, factory);
            http.Serve("v2.tflite", v2);
            var manifest = key.Manifest(v2, 2, [http.Url("v2.tflite")]);
            string sha2 = Convert.ToHexStringLower(SHA256.HashData(v2)), sha1 = Convert.ToHexStringLower(SHA256.HashData(factory));
            string[] args =
            [
                "run", "--source", "synthetic:10", "--device", "dev-kill", "--telemetry-interval", "100", "--model", factoryPath,
                "--mqtt-host", broker.Host, "--mqtt-port", broker.Port.ToString(CultureInfo.InvariantCulture), "--Mqtt:ReconnectMinDelayMs=100",
                $"--Ota:StateDirectory={state}", $"--Ota:TrustedKeys:k1={key.PublicPath}", "--Ota:HealthFrames=5",
            ];
            await using var sub = await MqttTestSubscriber.ConnectAsync(broker.Host, broker.Port, "edgert/v1/dev-kill/#");

            using (var first = new DaemonProcess(args, point))
            {
                await first.WaitForLineAsync("OTA boot: factory model", T);
                await Publish.ManifestAsync(broker, "edgert/v1/dev-kill/model/desired", manifest);
                await first.WaitForLineAsync("EDGERT_OTA_CRASH_POINT " + point, T);
                first.KillHard();
                output.WriteLine($"killed at {point}");
            }

            // On disk: every slot a pointer names is complete and matches its manifest; no model file is half-written.
            var store = new ModelStore(state);
            foreach (var slot in new[] { store.CurrentSlot, store.PreviousSlot }.OfType<string>())
                Assert.NotNull(store.ReadSlot(slot, out _));
            foreach (var f in Directory.GetFiles(Path.Combine(state, "slots"), ModelStore.ModelFile, SearchOption.AllDirectories))
                Assert.Contains(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(f))), new[] { sha1, sha2 });
            string? expectedBoot = point == CrashPoints.AfterRename ? sha2 : sha1;
            output.WriteLine($"current -> {store.CurrentSlot ?? "(factory)"}");

            using var second = new DaemonProcess(args, null);
            await second.WaitForLineAsync("OTA boot:", T);
            string boot = second.Output;
            output.WriteLine(boot.Split('\n').First(l => l.Contains("OTA boot:", StringComparison.Ordinal)));
            if (point == CrashPoints.AfterRename) Assert.Contains("OTA boot: model tiny v2 from slot a (on trial", boot);
            else Assert.Contains("OTA boot: factory model", boot);

            // The restarted process serves frames with the booted model, then converges to v2 (telemetry shows it).
            await second.WaitForLineAsync(point == CrashPoints.AfterRename ? "Running tiny (2)" : "Running factory", T);
            await sub.WaitForAsync(m => m.Topic == "edgert/v1/dev-kill/model/state" && m.Payload.Length > 0
                && JsonDocument.Parse(MqttTestSubscriber.Text(m)).RootElement is var s
                && s.GetProperty("state").GetString() == "active" && s.TryGetProperty("active_version", out var v) && v.GetInt64() == 2
                && s.GetProperty("active_sha256").GetString() == sha2, T, "active v2 after restart");
            await sub.WaitForAsync(m => m.Topic == "edgert/v1/dev-kill/telemetry"
                && JsonDocument.Parse(MqttTestSubscriber.Text(m)).RootElement.GetProperty("model") is var model
                && model.GetProperty("version").GetString() == "2" && model.GetProperty("sha256").GetString() == sha2, T, "telemetry v2");
            Assert.Equal("a", new ModelStore(state).CurrentSlot);
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }
}
