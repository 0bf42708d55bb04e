-- Argo CD health check for rathaus.io/MunicipalityWorkspace. Install it in argocd-cm as
--   resource.customizations.health.rathaus.io_MunicipalityWorkspace: |
--     <this file>
-- It reads the kstatus conditions the operator sets (see docs/api.md).
local hs = {status = "Progressing", message = "Waiting for the operator to observe the workspace"}

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "Reconciliation is suspended"
  return hs
end

if obj.status == nil or obj.status.observedGeneration == nil or obj.metadata.generation == nil
    or obj.status.observedGeneration < obj.metadata.generation then
  return hs
end

local conditions = obj.status.conditions or {}
for _, c in ipairs(conditions) do
  if c.type == "Stalled" and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.reason .. ": " .. c.message
    return hs
  end
end
for _, c in ipairs(conditions) do
  if c.type == "Ready" then
    if c.status == "True" then
      hs.status = "Healthy"
    else
      hs.status = "Progressing"
    end
    hs.message = c.message
    return hs
  end
end
return hs
