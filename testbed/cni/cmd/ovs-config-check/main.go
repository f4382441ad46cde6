// Command ovs-config-check parses a NetworkAttachmentDefinition's spec.config (stdin) with ovs-cni's own config
// loader (github.com/k8snetworkplumbingwg/ovs-cni/pkg/config, LoadConf: what the ovs plugin's ADD runs first) and
// prints what it parsed (name, bridge, vlan, mtu, trunk, IPAM type) as JSON, or the loader's error with exit code 1. Running the ovs plugin itself needs
// Open vSwitch on the node, which the test bed does not have.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/k8snetworkplumbingwg/ovs-cni/pkg/config"
)

func main() {
	data, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	conf, err := config.LoadConf(data)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	// Field by field: the embedded CNI NetConf's MarshalJSON would hide the ovs fields.
	out := map[string]any{"name": conf.Name, "bridge": conf.BrName, "vlan": conf.VlanTag, "mtu": conf.MTU, "trunk": conf.Trunk, "ipam": conf.IPAM.Type}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
