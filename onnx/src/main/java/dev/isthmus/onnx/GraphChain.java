package dev.isthmus.onnx;

import dev.isthmus.onnx.proto.Onnx.AttributeProto;
import dev.isthmus.onnx.proto.Onnx.GraphProto;
import dev.isthmus.onnx.proto.Onnx.NodeProto;
import dev.isthmus.onnx.proto.Onnx.TensorProto;
import dev.isthmus.onnx.proto.Onnx.ValueInfoProto;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The second pass of an import: the graph's structure, still without reading weights. Constants
 * (initializers and Constant nodes) are set apart; the other nodes must form one chain from the single
 * graph input to the single graph output, each consuming the previous node's output and nothing else but
 * constants, as a {@code Sequential} does. Duplicate value names, cycles, branches, dangling inputs and
 * nodes off the path are refused with the node named.
 */
final class GraphChain {
    /** Nodes past this many are refused up front: the course's largest network has 22, PyTorch exports stay far below. */
    static final int MAX_NODES = 4096;
    static final int MAX_INITIALIZERS = 16384;

    final ValueInfoProto input;
    final ValueInfoProto output;
    /** The data nodes from input to output. */
    final List<NodeRef> nodes;
    /** Constant values by name: the initializers and the Constant nodes' values (checked, not yet read). */
    final Map<String, TensorProto> constants;

    private GraphChain(ValueInfoProto input, ValueInfoProto output, List<NodeRef> nodes, Map<String, TensorProto> constants) {
        this.input = input;
        this.output = output;
        this.nodes = nodes;
        this.constants = constants;
    }

    /** Checks every node's operator ({@link OpCheck}), then the structure. */
    static GraphChain of(GraphProto g, long opset) throws OnnxFormatException {
        if (g.getNodeCount() > MAX_NODES) {
            NodeRef first = new NodeRef(g.getNode(MAX_NODES), MAX_NODES, opset);
            throw new OnnxFormatException("the graph has " + g.getNodeCount() + " nodes, more than the " + MAX_NODES
                    + " Isthmus imports (node '" + first.name() + "' is the first past the limit)");
        }
        if (g.getInitializerCount() > MAX_INITIALIZERS) {
            throw new OnnxFormatException("the graph has " + g.getInitializerCount() + " initializers, more than "
                    + MAX_INITIALIZERS);
        }
        List<NodeRef> all = new ArrayList<>();
        for (int i = 0; i < g.getNodeCount(); i++) {
            NodeRef n = new NodeRef(g.getNode(i), i, opset);
            OpCheck.check(n);
            all.add(n);
        }
        Map<String, TensorProto> constants = new LinkedHashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            TensorData.check(t, "initializer '" + t.getName() + "'");
            if (constants.put(t.getName(), t) != null) {
                throw new OnnxFormatException("initializer '" + t.getName() + "' is defined twice");
            }
        }
        List<NodeRef> data = new ArrayList<>();
        for (NodeRef n : all) {
            if (n.op().equals("Constant")) {
                TensorProto t = constantValue(n);
                TensorData.check(t, "the value of Constant node '" + n.name() + "'");
                if (constants.put(n.proto().getOutput(0), t) != null) {
                    throw n.error("output '" + n.proto().getOutput(0) + "' is already defined");
                }
            } else {
                data.add(n);
            }
        }
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : g.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1 || g.getOutputCount() != 1) {
            throw new OnnxFormatException("the graph has " + inputs.size() + " inputs and " + g.getOutputCount()
                    + " outputs besides its weights; Isthmus imports networks with one input and one output");
        }
        ValueInfoProto in = inputs.get(0), out = g.getOutput(0);
        return new GraphChain(in, out, chain(data, constants, in.getName(), out.getName()), constants);
    }

    private static List<NodeRef> chain(List<NodeRef> data, Map<String, TensorProto> constants, String in, String out)
            throws OnnxFormatException {
        Map<String, NodeRef> producer = new HashMap<>();
        Map<String, List<NodeRef>> consumers = new HashMap<>();
        for (NodeRef n : data) {
            for (String o : n.proto().getOutputList()) {
                if (o.isEmpty()) {
                    continue;
                }
                if (constants.containsKey(o) || o.equals(in) || producer.put(o, n) != null) {
                    throw n.error("output '" + o + "' is already defined elsewhere in the graph");
                }
            }
        }
        for (NodeRef n : data) {
            List<String> flowing = dataInputs(n, constants);
            if (flowing.size() != 1) {
                throw n.error("takes " + flowing.size() + " non-constant inputs " + flowing
                        + "; Isthmus imports chains where each node takes one tensor (and constants)");
            }
            String v = flowing.get(0);
            if (!v.equals(in) && !producer.containsKey(v)) {
                throw n.error("input '" + v + "' is neither the graph input, a constant nor any node's output");
            }
            consumers.computeIfAbsent(v, k -> new ArrayList<>()).add(n);
        }
        requireAcyclic(data, producer, constants);
        List<NodeRef> order = new ArrayList<>();
        String value = in;
        while (!value.equals(out)) {
            List<NodeRef> next = consumers.getOrDefault(value, List.of());
            if (next.isEmpty()) {
                throw new OnnxFormatException("value '" + value + "' is used by no node and is not the graph output '"
                        + out + "'");
            }
            if (next.size() > 1) {
                throw new OnnxFormatException("value '" + value + "' feeds " + next.size() + " nodes (" + names(next)
                        + "): the graph branches; Isthmus imports only linear chains (a Sequential)");
            }
            NodeRef n = next.get(0);
            NodeProto p = n.proto();
            for (int i = 1; i < p.getOutputCount(); i++) {
                if (!p.getOutput(i).isEmpty() && (consumers.containsKey(p.getOutput(i)) || p.getOutput(i).equals(out))) {
                    throw n.error("its output " + i + " ('" + p.getOutput(i) + "') is used; only the first output is supported");
                }
            }
            order.add(n);
            value = p.getOutput(0);
        }
        if (consumers.containsKey(out)) {
            throw new OnnxFormatException("the graph output '" + out + "' also feeds node '"
                    + consumers.get(out).get(0).name() + "': the graph branches; Isthmus imports only linear chains");
        }
        if (order.size() != data.size()) {
            Set<NodeRef> on = new HashSet<>(order);
            for (NodeRef n : data) {
                if (!on.contains(n)) {
                    throw n.error("is not on the path from the graph input '" + in + "' to the output '" + out + "'");
                }
            }
        }
        if (order.isEmpty()) {
            throw new OnnxFormatException("the graph has no nodes between its input and output");
        }
        requirePairs(order);
        return order;
    }

    /** The operators that only exist as part of the node before them: a Conv's BatchNormalization, a MatMul's Add. */
    private static void requirePairs(List<NodeRef> order) throws OnnxFormatException {
        for (int i = 0; i < order.size(); i++) {
            String op = order.get(i).op(), before = i == 0 ? "" : order.get(i - 1).op();
            if (op.equals("BatchNormalization") && !before.equals("Conv")) {
                throw order.get(i).error("must directly follow a Conv: Isthmus folds it into the Conv's weights and"
                        + " has no stand-alone batch-norm layer");
            }
            if (op.equals("Add") && !before.equals("MatMul")) {
                throw order.get(i).error("is supported only directly after a MatMul, as the bias of a Linear layer");
            }
        }
    }

    /** Kahn's algorithm over the data edges; names the nodes on a cycle if not every node can be ordered. */
    private static void requireAcyclic(List<NodeRef> data, Map<String, NodeRef> producer, Map<String, TensorProto> constants)
            throws OnnxFormatException {
        Map<NodeRef, Integer> pending = new HashMap<>();
        Map<NodeRef, List<NodeRef>> successors = new HashMap<>();
        ArrayDeque<NodeRef> ready = new ArrayDeque<>();
        for (NodeRef n : data) {
            int deps = 0;
            for (String v : dataInputs(n, constants)) {
                NodeRef p = producer.get(v);
                if (p != null) {
                    deps++;
                    successors.computeIfAbsent(p, k -> new ArrayList<>()).add(n);
                }
            }
            pending.put(n, deps);
            if (deps == 0) {
                ready.add(n);
            }
        }
        int ordered = 0;
        while (!ready.isEmpty()) {
            NodeRef n = ready.poll();
            ordered++;
            for (NodeRef s : successors.getOrDefault(n, List.of())) {
                if (pending.merge(s, -1, Integer::sum) == 0) {
                    ready.add(s);
                }
            }
        }
        if (ordered < data.size()) {
            List<NodeRef> stuck = new ArrayList<>();
            for (NodeRef n : data) {
                if (pending.get(n) > 0) {
                    stuck.add(n);
                }
            }
            throw stuck.get(0).error("is on a cycle (" + names(stuck.subList(0, Math.min(stuck.size(), 5)))
                    + (stuck.size() > 5 ? ", ..." : "") + " depend on each other); an ONNX graph must be acyclic");
        }
    }

    private static List<String> dataInputs(NodeRef n, Map<String, TensorProto> constants) {
        List<String> out = new ArrayList<>(1);
        for (String v : n.proto().getInputList()) {
            if (!v.isEmpty() && !constants.containsKey(v)) {
                out.add(v);
            }
        }
        return out;
    }

    private static String names(List<NodeRef> nodes) {
        StringBuilder sb = new StringBuilder();
        for (NodeRef n : nodes) {
            sb.append(sb.isEmpty() ? "" : ", ").append('\'').append(n.name()).append('\'');
        }
        return sb.toString();
    }

    /** A Constant node's value as a tensor (value, value_float(s) or value_int(s)). */
    private static TensorProto constantValue(NodeRef n) throws OnnxFormatException {
        Attrs a = Attrs.of(n);
        AttributeProto v;
        if ((v = a.get("value")) != null) {
            return v.getT();
        }
        TensorProto.Builder t = TensorProto.newBuilder();
        if ((v = a.get("value_float")) != null) {
            return t.setDataType(TensorProto.DataType.FLOAT_VALUE).addFloatData(v.getF()).build();
        }
        if ((v = a.get("value_floats")) != null) {
            return t.setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(v.getFloatsCount()).addAllFloatData(v.getFloatsList()).build();
        }
        if ((v = a.get("value_int")) != null) {
            return t.setDataType(TensorProto.DataType.INT64_VALUE).addInt64Data(v.getI()).build();
        }
        v = a.get("value_ints");
        return t.setDataType(TensorProto.DataType.INT64_VALUE).addDims(v.getIntsCount()).addAllInt64Data(v.getIntsList()).build();
    }
}
