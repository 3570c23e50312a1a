// xunit v2 kept ITestOutputHelper in Xunit.Abstractions; v3 has it in Xunit and no such namespace. This empty
// namespace keeps the old `using Xunit.Abstractions;` lines compiling until the commit that drops them deletes it.
namespace Xunit.Abstractions
{
    internal static class RemovedInXunitV3;
}
