//! Community airdrop: the admin registers recipients with allocations, then pays everyone out.
use cosmwasm_schema::{cw_serde, QueryResponses};
#[cfg(not(feature = "library"))]
use cosmwasm_std::entry_point;
use cosmwasm_std::{
    coins, ensure, ensure_eq, to_json_binary, Addr, BankMsg, Binary, Deps, DepsMut, Env, MessageInfo, Order,
    Response, StdError, StdResult, Uint128,
};
#[cfg(not(feature = "vulnerable"))]
use cw_storage_plus::Bound;
use cw_storage_plus::{Item, Map};
use thiserror::Error;

#[cfg(not(feature = "vulnerable"))]
const MAX_LIMIT: u32 = 30;
#[cfg(not(feature = "vulnerable"))]
const DEFAULT_LIMIT: u32 = 10;

#[derive(Error, Debug, PartialEq)]
pub enum ContractError {
    #[error("{0}")]
    Std(#[from] StdError),
    #[error("Unauthorized")]
    Unauthorized {},
    #[error("Registration closed")]
    Closed {},
}

#[cw_serde]
pub struct Config {
    pub admin: Addr,
    pub denom: String,
    pub open: bool,
}

pub const CONFIG: Item<Config> = Item::new("config");
pub const ALLOCATIONS: Map<&Addr, Uint128> = Map::new("allocations");

#[cw_serde]
pub struct InstantiateMsg {
    pub denom: String,
}

#[cw_serde]
pub enum ExecuteMsg {
    /// Anyone can register while registration is open; the allocation is a flat amount.
    Register {},
    CloseRegistration {},
    #[cfg(feature = "vulnerable")]
    Distribute {},
    #[cfg(not(feature = "vulnerable"))]
    Distribute { start_after: Option<String>, limit: Option<u32> },
}

#[cw_serde]
#[derive(QueryResponses)]
pub enum QueryMsg {
    #[returns(Uint128)]
    Allocation { address: String },
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn instantiate(deps: DepsMut, _env: Env, info: MessageInfo, msg: InstantiateMsg) -> Result<Response, ContractError> {
    CONFIG.save(deps.storage, &Config { admin: info.sender, denom: msg.denom, open: true })?;
    Ok(Response::new())
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn execute(deps: DepsMut, _env: Env, info: MessageInfo, msg: ExecuteMsg) -> Result<Response, ContractError> {
    match msg {
        ExecuteMsg::Register {} => {
            let config = CONFIG.load(deps.storage)?;
            ensure!(config.open, ContractError::Closed {});
            ALLOCATIONS.save(deps.storage, &info.sender, &Uint128::new(1_000_000))?;
            Ok(Response::new().add_attribute("action", "register"))
        }
        ExecuteMsg::CloseRegistration {} => {
            let mut config = CONFIG.load(deps.storage)?;
            ensure_eq!(info.sender, config.admin, ContractError::Unauthorized {});
            config.open = false;
            CONFIG.save(deps.storage, &config)?;
            Ok(Response::new())
        }
        #[cfg(feature = "vulnerable")]
        ExecuteMsg::Distribute {} => execute_distribute(deps, info),
        #[cfg(not(feature = "vulnerable"))]
        ExecuteMsg::Distribute { start_after, limit } => execute_distribute(deps, info, start_after, limit),
    }
}

#[cfg(feature = "vulnerable")]
fn execute_distribute(deps: DepsMut, info: MessageInfo) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    ensure_eq!(info.sender, config.admin, ContractError::Unauthorized {});
    let recipients: Vec<(Addr, Uint128)> =
        ALLOCATIONS.range(deps.storage, None, None, Order::Ascending).collect::<StdResult<_>>()?;
    let mut response = Response::new().add_attribute("action", "distribute");
    for (addr, amount) in recipients {
        ALLOCATIONS.remove(deps.storage, &addr);
        response = response.add_message(BankMsg::Send { to_address: addr.to_string(), amount: coins(amount.u128(), &config.denom) });
    }
    Ok(response)
}

#[cfg(not(feature = "vulnerable"))]
fn execute_distribute(
    deps: DepsMut,
    info: MessageInfo,
    start_after: Option<String>,
    limit: Option<u32>,
) -> Result<Response, ContractError> {
    let config = CONFIG.load(deps.storage)?;
    ensure_eq!(info.sender, config.admin, ContractError::Unauthorized {});
    let limit = limit.unwrap_or(DEFAULT_LIMIT).min(MAX_LIMIT) as usize;
    let start = start_after.map(|s| deps.api.addr_validate(&s)).transpose()?;
    let recipients: Vec<(Addr, Uint128)> = ALLOCATIONS
        .range(deps.storage, start.as_ref().map(Bound::exclusive), None, Order::Ascending)
        .take(limit)
        .collect::<StdResult<_>>()?;
    let mut response = Response::new().add_attribute("action", "distribute");
    for (addr, amount) in recipients {
        ALLOCATIONS.remove(deps.storage, &addr);
        response = response.add_message(BankMsg::Send { to_address: addr.to_string(), amount: coins(amount.u128(), &config.denom) });
    }
    Ok(response)
}

#[cfg_attr(not(feature = "library"), entry_point)]
pub fn query(deps: Deps, _env: Env, msg: QueryMsg) -> StdResult<Binary> {
    match msg {
        QueryMsg::Allocation { address } => {
            let addr = deps.api.addr_validate(&address)?;
            to_json_binary(&ALLOCATIONS.may_load(deps.storage, &addr)?.unwrap_or_default())
        }
    }
}
