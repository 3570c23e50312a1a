using EdgeRuntime.Telemetry;

namespace EdgeRuntime.Tests.Automation;

public sealed class AutomationAclTests
{
    [Fact]
    public void Device_WritesItsEventsZonesAndDiscovery_NotAnotherDevicesOrDeepTopics()
    {
        var credentials = BrokerCredentials.Generate("pi.kitchen");
        var acl = new BrokerAcl(credentials, "edgert/v1", "pi.kitchen");
        string device = credentials.Find(BrokerRoles.Device)!.Username;
        Assert.Null(acl.CheckPublish(device, "edgert/v1/pi.kitchen/events", 100, retain: false));
        Assert.Null(acl.CheckPublish(device, "edgert/v1/pi.kitchen/events/snapshot", 100, retain: false));
        Assert.Null(acl.CheckPublish(device, "edgert/v1/pi.kitchen/zones/doorway", 100, retain: true));
        Assert.Null(acl.CheckPublish(device, "homeassistant/binary_sensor/pi_kitchen/zone_doorway_occupancy/config", 900, retain: true));
        Assert.NotNull(acl.CheckPublish(device, "edgert/v1/pi.kitchen/zones/doorway/extra", 100, retain: true));
        Assert.NotNull(acl.CheckPublish(device, "edgert/v1/other/events", 100, retain: false));
        Assert.NotNull(acl.CheckPublish(device, "homeassistant/binary_sensor/other/zone_x_occupancy/config", 900, retain: true));
        Assert.NotNull(acl.CheckPublish(device, "homeassistant/status", 6, retain: false));
        var custom = new BrokerAcl(credentials, "edgert/v1", "pi.kitchen", discoveryPrefix: "ha");
        Assert.Null(custom.CheckPublish(device, "ha/sensor/pi_kitchen/fps/config", 900, retain: true));
        Assert.NotNull(custom.CheckPublish(device, "homeassistant/sensor/pi_kitchen/fps/config", 900, retain: true));
    }
}
