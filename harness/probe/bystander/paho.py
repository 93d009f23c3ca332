# A paho-mqtt bystander for `mqtt-cipher-bench probe`, written like an ordinary paho
# application: subscribe, and read msg.topic in on_message. paho (1.5 to 2.x) delivers a
# PUBLISH whose topic is not valid UTF-8 and raises UnicodeDecodeError only when the
# application reads msg.topic; with paho's default suppress_exceptions=False that escapes
# loop_forever and ends the application, which is the seed's "validating client" knocked off.
# paho itself reconnects after a connection the broker closed (loop_forever's retry).
#
# Events go to stdout, one per line, flushed: "ready VERSION", "connected RC",
# "subscribed", "message HEX-TOPIC", "disconnected RC", "crashed TYPE: TEXT".
# Usage: python3 -c SCRIPT HOST PORT CLIENT_ID FILTER
import sys

import paho.mqtt
import paho.mqtt.client as mqtt


def out(*words):
    print(*words, flush=True)


host, port, client_id, topic_filter = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
if hasattr(mqtt, "CallbackAPIVersion"):  # paho 2.x
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
else:  # paho 1.x
    client = mqtt.Client(client_id=client_id)


def on_connect(c, userdata, flags, rc, *rest):
    out("connected", rc)
    c.subscribe(topic_filter, qos=0)


def on_subscribe(c, *args):
    out("subscribed")


def on_message(c, userdata, msg):
    topic = msg.topic  # what an application does first; raises on invalid UTF-8
    out("message", topic.encode("utf-8").hex())


def on_disconnect(c, userdata, *args):
    # 1.x: (rc); 2.x: (flags, reason_code, properties)
    rc = args[1] if len(args) >= 2 else (args[0] if args else "?")
    out("disconnected", rc)


client.on_connect = on_connect
client.on_subscribe = on_subscribe
client.on_message = on_message
client.on_disconnect = on_disconnect
client.reconnect_delay_set(min_delay=1, max_delay=1)
out("ready", paho.mqtt.__version__)
try:
    client.connect(host, port, keepalive=30)
    client.loop_forever()
except Exception as e:  # the application ends here; the OS closes its socket
    out("crashed", f"{type(e).__name__}: {e}")
    sys.exit(1)
