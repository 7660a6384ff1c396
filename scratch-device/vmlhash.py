import hashlib, os, sys
import torch
torch.manual_seed(0)
x = torch.randn(100000) * 3
out = []
for name, fn in [("tanh", torch.tanh), ("sqrt", lambda t: torch.sqrt(t.abs())), ("exp", torch.exp),
                 ("log", lambda t: torch.log(t.abs() + 1e-3)), ("sigmoid", torch.sigmoid),
                 ("tanh2", lambda t: torch.cat([torch.tanh(t[i:i+2]) for i in range(0, 2000, 2)]))]:
    y = fn(x)
    out.append("%s:%s" % (name, hashlib.sha1(y.numpy().tobytes()).hexdigest()[:10]))
print(os.environ.get("MKL_CBWR"), os.environ.get("MKL_ENABLE_INSTRUCTIONS", "-"), " ".join(out))
