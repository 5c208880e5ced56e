// Applies deploy/local/kafka/acls.txt to the local broker, idempotently, as the admin:
// every principal named there gets its SCRAM-SHA-512 credential (password from
// <secrets>/kafka-<principal>.password; an upsert, so a changed file rotates it), missing ACL
// bindings are created and bindings the file does not list are deleted.
//
//   java -cp '<kafka libs>/*' KafkaAccess.java <bootstrap> <secrets dir> <acls file>
//
// Run by deploy/local/kafka.sh at every start (Java runs a single source file directly).
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

public class KafkaAccess {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: KafkaAccess <bootstrap> <secrets dir> <acls file>");
            System.exit(2);
        }
        Path secrets = Path.of(args[1]);
        Set<String> principals = new LinkedHashSet<>();
        Set<AclBinding> wanted = new HashSet<>();
        int lineNo = 0;
        for (String raw : Files.readAllLines(Path.of(args[2]))) {
            lineNo++;
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            String[] f = line.split("\\s+");
            if (f.length < 5) throw new IllegalArgumentException(args[2] + ":" + lineNo + ": too few fields");
            principals.add(f[0]);
            ResourceType type = ResourceType.fromString(f[2].replace("-", "_").toUpperCase(Locale.ROOT));
            PatternType pattern = PatternType.fromString(f[3].toUpperCase(Locale.ROOT));
            if (type == ResourceType.UNKNOWN || pattern == PatternType.UNKNOWN)
                throw new IllegalArgumentException(args[2] + ":" + lineNo + ": bad resource type or pattern");
            for (String op : f[1].split(",")) {
                AclOperation operation = AclOperation.fromString(op.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT));
                if (operation == AclOperation.UNKNOWN)
                    throw new IllegalArgumentException(args[2] + ":" + lineNo + ": unknown operation " + op);
                for (int i = 4; i < f.length; i++) {
                    wanted.add(new AclBinding(new ResourcePattern(type, f[i], pattern),
                            new AccessControlEntry("User:" + f[0], "*", operation, AclPermissionType.ALLOW)));
                }
            }
        }
        Properties props = new Properties();
        props.put("bootstrap.servers", args[0]);
        props.put("security.protocol", "SASL_PLAINTEXT");
        props.put("sasl.mechanism", "SCRAM-SHA-512");
        props.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\""
                + password(secrets, "admin") + "\";");
        props.put("request.timeout.ms", "20000");
        try (Admin admin = Admin.create(props)) {
            List<UserScramCredentialAlteration> credentials = new ArrayList<>();
            for (String principal : principals) {
                credentials.add(new UserScramCredentialUpsertion(principal,
                        new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password(secrets, principal)));
            }
            admin.alterUserScramCredentials(credentials).all().get();
            Set<AclBinding> existing = new HashSet<>(admin.describeAcls(AclBindingFilter.ANY).values().get());
            List<AclBinding> missing = wanted.stream().filter(b -> !existing.contains(b)).toList();
            List<AclBindingFilter> stale = existing.stream().filter(b -> !wanted.contains(b)).map(AclBinding::toFilter).toList();
            if (!missing.isEmpty()) admin.createAcls(missing).all().get();
            if (!stale.isEmpty()) admin.deleteAcls(stale).all().get();
            System.out.printf("%d principals, %d ACL bindings (%d created, %d removed)%n",
                    principals.size(), wanted.size(), missing.size(), stale.size());
        }
    }

    private static String password(Path secrets, String principal) throws Exception {
        return Files.readString(secrets.resolve("kafka-" + principal + ".password")).strip();
    }
}
