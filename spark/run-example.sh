#!/usr/bin/env bash
# Trains LeNet-5 on the bundled digits on Apache Spark local[2] (loopback only) and writes
# runs/spark-lenet5.safetensors, a normal Isthmus model file. Options go to dev.isthmus.spark.example.TrainLeNet
# (--master local[2] --epochs 3 --train 8000 --test 2000 --batch 64 --lr 0.001 --partitions 2 --out FILE --data DIR);
# --main CLASS runs another main class of the module (e.g. dev.isthmus.spark.bench.SparkBench).
set -euo pipefail
cd "$(dirname "$0")/.."
main=dev.isthmus.spark.example.TrainLeNet
if [[ "${1:-}" == "--main" ]]; then main=$2; shift 2; fi
if [[ ! -f spark/target/classpath.txt || ! -d spark/target/classes ]] || [[ -n "$(find spark/src engine/src -newer spark/target/classpath.txt -name '*.java' -print -quit)" ]]; then
  mvn -B -ntp -q -pl spark -am -DskipTests test-compile >&2
fi
java=java
for j in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64; do
  if [[ -n "$j" && -x "$j/bin/java" ]] && "$j/bin/java" -version 2>&1 | grep -q 'version "2[5-9]'; then java=$j/bin/java; break; fi
done
flags=$(sed -n 's:.*<isthmus.jvm.flags>\(.*\)</isthmus.jvm.flags>.*:\1:p' pom.xml)
spark_flags=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' spark/pom.xml)
cp="spark/target/classes:$(cat spark/target/classpath.txt)"
export SPARK_LOCAL_IP=127.0.0.1
# shellcheck disable=SC2086
exec "$java" $flags $spark_flags -Xmx3g -Dlog4j2.configurationFile=spark/src/main/resources/isthmus-spark-log4j2.properties \
  -cp "$cp" "$main" "$@"
